"""Settings profiles: base (shared), local (development), production, test.

Every value that differs between machines comes from the environment; see
``.env.example`` for the full list.
"""
