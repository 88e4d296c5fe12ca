from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "onevoice.accounts"
    label = "accounts"
    verbose_name = "Accounts and territories"

    def ready(self) -> None:
        # Role groups hold permissions from every app, so they can only be synced once
        # all apps' permissions exist: after each migrate, whichever app it touched.
        from onevoice.accounts.services import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="onevoice.roles_sync")
