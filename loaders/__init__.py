"""Loaders: read, detect and validate input files and reference data, and write them to PostGIS."""
