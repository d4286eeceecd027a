"""Salient's crop engine: pure Python, numpy, Pillow and onnxruntime. Never Django.

Coordinate spaces (house rule 3): inside the engine every box and point is in
pixels of the *oriented* source image, boxes as ``(x0, y0, x1, y1)`` with x1/y1
exclusive. Normalised 0-1 values appear only at the edges where the app passes
editor input in (focal points, editor boxes), and each such argument says so.
"""
