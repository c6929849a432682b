"""The layout harness: development documents typeset again in a grid of producer layouts
(python-docx → LibreOffice Writer → PDF), for tests and benchmarks/layout_grid.py."""
