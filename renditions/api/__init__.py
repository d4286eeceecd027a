"""The REST API for downstream sites (Django REST framework, documented by drf-spectacular).

A top layer beside the pages (``editor_views``, ``views``): it reads through the
selectors and writes through ``dam.services`` and ``renditions.editing`` /
``renditions.services``, exactly as the UI does, with the UI's permissions.
Points and boxes are normalised 0-1; widths, heights and ``crop_box`` are pixels.
"""
