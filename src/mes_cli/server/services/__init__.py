"""The rules of Mon espace santé (DOMAIN.md), free of HTTP: resources call these."""
