"""``manage.py serve``'s web server: gunicorn by default, granian on request, the
same Django application either way."""
from dam.management.commands.serve import web_command


def test_gunicorn_is_the_default_shape():
    command = web_command("gunicorn", "127.0.0.1:8000", 2)
    assert command[:2] == ["gunicorn", "dam.wsgi:application"]
    assert command[command.index("--workers") + 1] == "2"
    assert command[command.index("--worker-class") + 1] == "gthread"


def test_granian_runs_the_same_wsgi_application():
    command = web_command("granian", "0.0.0.0:9000", 3)
    assert command[0] == "granian" and command[-1] == "dam.wsgi:application"
    assert command[command.index("--interface") + 1] == "wsgi"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "9000"
    assert command[command.index("--workers") + 1] == "3"


def test_the_access_log_is_off_unless_asked_for():
    assert "--access-logfile" not in web_command("gunicorn", "127.0.0.1:8000", 2)
    assert "--no-access-log" in web_command("granian", "127.0.0.1:8000", 2)
    logged = web_command("gunicorn", "127.0.0.1:8000", 2, access_log=True)
    assert logged[logged.index("--access-logfile") + 1] == "-"
    assert "--access-log" in web_command("granian", "127.0.0.1:8000", 2, access_log=True)
