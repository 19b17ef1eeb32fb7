"""The console's cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over
HTTPS (directly or through a proxy that says so), or always with CONSOLE_COOKIE_SECURE=true."""

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


class ConsoleSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["CONSOLE_COOKIE_SECURE"]) or request.is_secure
