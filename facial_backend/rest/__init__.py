"""The HTTP API on flask-smorest: the Api, the Blueprint routes are declared with, body limits."""

from facial_backend.rest.api import RestApi, create_api
from facial_backend.rest.blueprint import Blueprint
from facial_backend.rest.limits import MULTIPART_OVERHEAD, max_body

__all__ = ["MULTIPART_OVERHEAD", "Blueprint", "RestApi", "create_api", "max_body"]
