"""Backends turn one platform into domain orders. They never import Textual."""
