"""Create the first editor login (once) and print how to log in.

The login is an editor and a reviewer, not a superuser: an administrator is made
on purpose with ``manage.py createsuperuser``.
"""
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from dam.roles import ensure_roles


class Command(BaseCommand):
    help = "Create the roles and a first editor account, and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        from django.conf import settings

        roles = ensure_roles()
        secret_file = settings.VAR_DIR / f"{username}-password.txt"
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username, password=password)
            user.groups.add(roles["Editors"], roles["Reviewers"])
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        password = secret_file.read_text().strip() if secret_file.exists() else "(changed)"
        self.stdout.write(self.style.SUCCESS(
            f"Log in as  {username}  with password  {password}"))
