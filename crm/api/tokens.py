"""POST /api/v1/auth/token/: an integrator trades username and password for an API token."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from crm.api.schema import error_responses


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text='Send it on every request as the header "Authorization: Token <token>".'
    )

    class Meta:
        ref_name = "Token"


class TokenInputSerializer(AuthTokenSerializer):
    class Meta:
        ref_name = "TokenCredentials"


class TokenObtainView(ObtainAuthToken):
    """Open to anyone (it is how a client logs in), throttled per address; no session,
    so no CSRF token is needed. The same token is returned until it is deleted."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    serializer_class = TokenInputSerializer

    @extend_schema(
        summary="Obtain an API token",
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer, **error_responses(400)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)
