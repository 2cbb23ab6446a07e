"""The HTTP face of the server: a route table, the WSGI app built from it, and its OpenAPI document."""
