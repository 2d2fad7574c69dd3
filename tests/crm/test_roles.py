from django.apps import apps

from crm import roles


def test_granting_with_the_live_registry_keeps_the_apps_models_module(db):
    # given: the credit app as Django loaded it
    config = apps.get_app_config("credit")
    before = config.models_module
    # when: a roles migration's helper runs with the live registry (as a test may)
    roles.grant_permissions(apps, "credit", {}, revoke_others=False)
    # then: post_migrate still sees the app's models (permissions recreated after a flush)
    assert before is not None
    assert config.models_module is before
