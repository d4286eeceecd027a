"""The REST API (Django REST framework, documented by drf-spectacular): the one door
for every change, used by the editor's own pages (session + CSRF) and by downstream
sites (token).

A top layer beside the pages (``pages``, ``views``): it reads through the selectors
and writes through ``dam.services`` and ``renditions.editing`` / ``renditions.services``,
with the one permission policy of ``dam.roles``.
Points and boxes are normalised 0-1; widths, heights and ``crop_box`` are pixels.
"""
