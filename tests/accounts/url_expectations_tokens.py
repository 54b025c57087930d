"""Who may use the personal access token pages: anyone signed in makes their own tokens; only
a token's owner may revoke it (here, member_a's token)."""

from tests.url_expectations import SIGNED_IN, only


def a_token_of_member_a(world):
    from cdphub.accounts.tokens import create_token

    return create_token(world.member_a, name="walk")[0].pk


EXPECTED = {
    "accounts:token-create": ({}, SIGNED_IN),
    "accounts:token-revoke": ({"pk": a_token_of_member_a}, only("member_a")),
}
