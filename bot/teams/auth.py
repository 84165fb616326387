"""Bot Framework JWTs on incoming activities (DESIGN decisions 12 and 14).

Every POST to /api/messages carries `Authorization: Bearer <JWT>` signed by the Bot Framework:
RS256 with a key from the JWKS that the OpenID metadata's `jwks_uri` names, issuer
https://api.botframework.com, audience our app id, within nbf/exp, and a `serviceurl` claim equal
to the activity's serviceUrl (so a token for one service cannot post replies to another).

Our own verifier, with PyJWT, rather than the SDK's TokenValidator: that one derives the keys'
address from the metadata URL by a regex instead of reading `jwks_uri` (which a sovereign cloud or
a stand-in may put elsewhere), accepts Entra tokens of the Agent 365 platform too, skips the
serviceurl check when the activity names no serviceUrl, and is async for a blocking fetch.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

ISSUER = "https://api.botframework.com"
# The Bot Framework's allowance for clock skew between its token service and a bot.
LEEWAY_SECONDS = 300
# Metadata and keys are fetched again after this long (Microsoft rolls its keys every few weeks),
# or at once when a token names a key id we have not seen (PyJWKClient refetches for an unknown kid).
METADATA_TTL_SECONDS = 24 * 3600
MAX_TOKEN = 16 * 1024


class Unauthorized(Exception):
    """The token is missing or does not verify; `reason` is a fixed phrase for the one log line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TokenVerifier:
    def __init__(self, app_id: str, openid_metadata_url: str, *, timeout: float = 10.0):
        self.app_id = app_id
        self.metadata_url = openid_metadata_url
        self.timeout = timeout
        self._lock = threading.Lock()
        self._jwks: Any = None  # jwt.PyJWKClient, built from the metadata on first use
        self._fetched_at = 0.0

    def verify(self, authorization: str, service_url: str) -> Mapping[str, Any]:
        """The token's claims, or Unauthorized. `service_url` is the activity's own."""
        import jwt

        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN:
            raise Unauthorized("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthorized("not a JWT") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthorized("not an RS256 token with a key id")
        try:
            key = self._client().get_signing_key(header["kid"])
        except jwt.PyJWKClientError:
            raise Unauthorized("signed by a key the JWKS does not hold") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=["RS256"], audience=self.app_id, issuer=ISSUER, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"], "verify_nbf": True})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("token not yet valid") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("token for another audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("token from another issuer") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("token does not verify") from None
        claimed = claims.get("serviceurl")
        if not isinstance(claimed, str) or claimed.rstrip("/") != service_url.rstrip("/"):
            raise Unauthorized("token for another serviceUrl")
        return claims

    def _client(self) -> Any:
        import jwt

        with self._lock:
            if self._jwks is None or time.monotonic() - self._fetched_at > METADATA_TTL_SECONDS:
                try:
                    with urllib.request.urlopen(self.metadata_url, timeout=self.timeout) as response:
                        metadata = json.loads(response.read(1024 * 1024))
                    jwks_uri = metadata["jwks_uri"]
                except (OSError, ValueError, KeyError, TypeError):
                    raise Unauthorized("OpenID metadata unreachable or without jwks_uri") from None
                if not isinstance(jwks_uri, str):
                    raise Unauthorized("OpenID metadata without jwks_uri")
                self._jwks = jwt.PyJWKClient(jwks_uri, cache_keys=True, lifespan=METADATA_TTL_SECONDS,
                                             timeout=int(self.timeout))
                self._fetched_at = time.monotonic()
            return self._jwks
