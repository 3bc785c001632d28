"""Tesla's OAuth server: the sign-in page and the token endpoint."""

from collections.abc import Mapping
from datetime import timedelta
import html
import secrets
from typing import Any
import uuid

from aiohttp import web
from yarl import URL

from .state import Grant, base_url, state_of
from .tokens import encode_token, subject_for

CODE_LIFETIME = timedelta(minutes=10)
DEFAULT_EMAIL = "owner@example.com"
DEFAULT_SCOPES = "openid offline_access"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tesla account (simulator)</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f4f4; margin: 0; }}
main {{ max-width: 380px; margin: 72px auto; background: #fff; padding: 32px;
  border-radius: 12px; box-shadow: 0 2px 12px #0002; }}
h1 {{ font-size: 22px; margin: 0 0 6px; }}
p {{ color: #555; font-size: 14px; line-height: 1.4; }}
label {{ display: block; font-size: 13px; margin: 20px 0 6px; }}
input[type=email] {{ width: 100%; box-sizing: border-box; padding: 10px;
  border: 1px solid #ccc; border-radius: 6px; font-size: 15px; }}
button {{ margin-top: 22px; width: 100%; padding: 12px; border: 0;
  border-radius: 6px; background: #3e6ae1; color: #fff; font-size: 15px;
  cursor: pointer; }}
code {{ background: #eee; padding: 1px 4px; border-radius: 4px; }}
ul {{ padding-left: 20px; font-size: 14px; }}
</style></head>
<body><main>
<h1>Tesla account</h1>
<p>Local simulator: no real Tesla account is used and nothing leaves this
computer.</p>
<p>The application <code>{client_id}</code> asks for:</p>
<ul>{scopes}</ul>
<form method="post">{hidden}
<label for="email">Email</label>
<input id="email" type="email" name="email" value="{email}" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
"""


def _bad_request(text: str) -> web.Response:
    return web.Response(status=400, text=text)


def _missing(params: Mapping[str, Any]) -> str | None:
    """Return an error text when the authorize parameters are unusable."""
    if not params.get("redirect_uri") or not params.get("state"):
        return "Bad request: redirect_uri and state are required."
    if params.get("response_type", "code") != "code":
        return "Bad request: response_type must be code."
    return None


async def authorize_page(request: web.Request) -> web.Response:
    """Show the sign-in page for an authorize link (GET)."""
    query = request.query
    if problem := _missing(query):
        return _bad_request(problem)
    hidden = "".join(
        f'\n<input type="hidden" name="{html.escape(name)}" value="{html.escape(v)}">'
        for name, v in query.items()
        if name != "email"
    )
    scopes = "".join(
        f"<li><code>{html.escape(scope)}</code></li>"
        for scope in query.get("scope", "").split()
    )
    page = _PAGE.format(
        client_id=html.escape(query.get("client_id", "")),
        scopes=scopes or "<li>no scopes</li>",
        hidden=hidden,
        email=html.escape(query.get("email", DEFAULT_EMAIL)),
    )
    return web.Response(text=page, content_type="text/html")


async def authorize_submit(request: web.Request) -> web.Response:
    """Sign in (POST): send the browser back with a one-time code and the state."""
    form = await request.post()
    params = {key: str(value) for key, value in form.items()}
    if problem := _missing(params):
        return _bad_request(problem)
    state = state_of(request)
    code = secrets.token_hex(24)
    email = params.get("email", "").strip() or DEFAULT_EMAIL
    state.codes[code] = Grant(
        subject=subject_for(email),
        email=email,
        scopes=tuple(params.get("scope", DEFAULT_SCOPES).split()),
        client_id=params.get("client_id", ""),
        expires=(state.now() + CODE_LIFETIME).timestamp(),
        redirect_uri=params["redirect_uri"],
    )
    location = URL(params["redirect_uri"]).update_query(
        code=code, state=params["state"]
    )
    raise web.HTTPFound(location)


def _issue(request: web.Request, grant: Grant) -> dict[str, Any]:
    """Create an access token (and for users a refresh and id token)."""
    state = state_of(request)
    now = int(state.now().timestamp())
    lifetime = state.config.access_token_lifetime
    base = base_url(request)
    region = state.config.region.upper()
    claims: dict[str, Any] = {
        "iss": f"{base}/oauth2/v3/nts",
        "azp": grant.client_id,
        "sub": grant.subject,
        "aud": [base, f"{base}/oauth2/v3/token"],
        "scp": list(grant.scopes),
        "ou_code": region,
        "locale": "en-US",
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
    }
    if grant.subject is None:
        del claims["sub"]
    access_token = encode_token(claims)
    issued = Grant(
        grant.subject, grant.email, grant.scopes, grant.client_id, now + lifetime
    )
    state.access_tokens[access_token] = issued
    if grant.subject is None:
        return {
            "access_token": access_token,
            "expires_in": lifetime,
            "token_type": "Bearer",
        }
    refresh_token = f"{region}_{secrets.token_hex(32)}"
    state.refresh_tokens[refresh_token] = Grant(
        grant.subject, grant.email, grant.scopes, grant.client_id
    )
    id_token = encode_token(
        {
            "iss": f"{base}/oauth2/v3",
            "aud": grant.client_id,
            "sub": grant.subject,
            "email": grant.email,
            "iat": now,
            "exp": now + lifetime,
        }
    )
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "id_token": id_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "state": None,
    }


def _login_required() -> web.Response:
    """Answer a refresh with a token that is unknown, used up or revoked."""
    reference = f"{uuid.uuid4()}-{secrets.randbelow(10**13)}"
    return web.json_response(
        {
            "error": "login_required",
            "error_description": "Login required",
            "error_uri": f"https://auth.tesla.com/error/reference/{reference}",
        },
        status=401,
    )


async def _form(request: web.Request) -> dict[str, str]:
    """Read the token request's parameters (form-encoded, or JSON)."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            return {}
        if not isinstance(body, dict):
            return {}
        return {str(key): str(value) for key, value in body.items()}
    return {key: str(value) for key, value in (await request.post()).items()}


async def token(request: web.Request) -> web.Response:
    """Exchange a code or a refresh token, or issue a partner token."""
    state = state_of(request)
    form = await _form(request)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        grant = state.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or grant.expires <= state.now().timestamp()
            or form.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri
            or form.get("client_id", grant.client_id) != grant.client_id
        ):
            return web.json_response(
                {
                    "error": "invalid_auth_code",
                    "error_description": "The authorization code is invalid or "
                    "expired.",
                },
                status=400,
            )
        return web.json_response(_issue(request, grant))
    if grant_type == "refresh_token":
        # Refresh tokens are single use: each exchange gives a new one.
        grant = state.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if grant is None:
            return _login_required()
        return web.json_response(_issue(request, grant))
    if grant_type == "client_credentials":
        scopes = tuple(form.get("scope", "openid").split())
        partner = Grant(None, None, scopes, form.get("client_id", ""))
        return web.json_response(_issue(request, partner))
    return web.json_response(
        {
            "error": "unsupported_grant_type",
            "error_description": f"Unsupported grant_type: {grant_type}",
        },
        status=400,
    )
