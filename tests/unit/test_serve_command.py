"""``manage.py serve``'s web server: granian by default, gunicorn on request, the
same Django application either way."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dam.management.commands import serve
from dam.management.commands.serve import web_command


def test_granian_is_the_default(monkeypatch):
    started = []
    monkeypatch.setattr(serve, "supervise", lambda children: started.extend(children))
    call_command("serve", "127.0.0.1:8123")
    web = next(child for child in started if child.name == "web")
    assert web.argv[2] == "granian" and web.argv[-1] == "dam.wsgi:application"
    assert web.argv[web.argv.index("--blocking-threads") + 1] == "2"


def test_gunicorn_stays_selectable(monkeypatch):
    started = []
    monkeypatch.setattr(serve, "supervise", lambda children: started.extend(children))
    call_command("serve", "--server", "gunicorn", "--web-threads", "3")
    web = next(child for child in started if child.name == "web")
    assert web.argv[2:4] == ["gunicorn", "dam.wsgi:application"]
    assert web.argv[web.argv.index("--threads") + 1] == "3"


def test_web_threads_below_one_is_refused():
    with pytest.raises(CommandError, match="--web-threads"):
        call_command("serve", "--web-threads", "0")


def test_gunicorn_shape():
    command = web_command("gunicorn", "127.0.0.1:8000", 2)
    assert command[:2] == ["gunicorn", "dam.wsgi:application"]
    assert command[command.index("--workers") + 1] == "2"
    assert command[command.index("--worker-class") + 1] == "gthread"
    assert command[command.index("--threads") + 1] == "4"


def test_granian_runs_the_same_wsgi_application():
    command = web_command("granian", "0.0.0.0:9000", 3, threads=4)
    assert command[0] == "granian" and command[-1] == "dam.wsgi:application"
    assert command[command.index("--interface") + 1] == "wsgi"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "9000"
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--blocking-threads") + 1] == "4"
    assert command[command.index("--workers-kill-timeout") + 1] == "10"


def test_the_access_log_is_off_unless_asked_for():
    assert "--access-logfile" not in web_command("gunicorn", "127.0.0.1:8000", 2)
    assert "--no-access-log" in web_command("granian", "127.0.0.1:8000", 2)
    logged = web_command("gunicorn", "127.0.0.1:8000", 2, access_log=True)
    assert logged[logged.index("--access-logfile") + 1] == "-"
    assert "--access-log" in web_command("granian", "127.0.0.1:8000", 2, access_log=True)
