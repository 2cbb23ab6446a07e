"""The HTTP face of the server: a route table, a Falcon app built from it, and its OpenAPI document."""
