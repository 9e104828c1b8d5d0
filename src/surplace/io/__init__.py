"""Importers and exporters: partners' files in, redacted and disclosure-controlled files out."""
