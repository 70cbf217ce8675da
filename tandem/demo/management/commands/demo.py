"""`tandem demo`: create the embedded database, load the demo company, start server and worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tandem.demo import company
from tandem.demo.management.commands.generate import load_with_progress
from tandem.leads.models import Lead


def free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise CommandError(f"no free port between {preferred} and {preferred + 49}")


class Command(BaseCommand):
    help = "Set up the demo instance and run it: database, demo company, web server and worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--leads", type=int, default=20000)
        parser.add_argument("--no-run", action="store_true", help="set up and load, then exit")

    def handle(self, *args, port: int, seed: int, leads: int, no_run: bool, **options) -> None:
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        if Lead.objects.exists():
            self.stdout.write("The demo company is already loaded; starting it.")
        else:
            load_with_progress(seed=seed, leads=leads, until_text=None, stdout=self.stdout)
        if no_run:
            self._print_logins(None)
            return
        self._run(free_port(port))

    def _print_logins(self, url: str | None) -> None:
        if url:
            self.stdout.write(self.style.SUCCESS(f"\nTandem is running at {url}"))
        self.stdout.write(f"Demo logins (password for all: {company.DEMO_PASSWORD}):")
        for role, username in company.ROLE_LOGINS.items():
            self.stdout.write(f"  {role:<10} {username}")
        if url:
            self.stdout.write(f"API docs: {url}api/v1/docs   ·   Stop with Ctrl+C")

    def _run(self, port: int) -> None:
        tandem = [sys.executable, "-m", "tandem.cli"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                       "tandem.config.settings")}
        server = subprocess.Popen([*tandem, "serve", "--bind", f"127.0.0.1:{port}"], env=env)
        worker = subprocess.Popen([*tandem, "worker"], env=env)
        url = f"http://127.0.0.1:{port}/"
        self._wait_until_up(port, server)
        self._print_logins(url)
        stop = {"now": False}

        def on_signal(signum, frame) -> None:
            stop["now"] = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop["now"] and server.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        finally:
            for proc in (server, worker):
                if proc.poll() is None:
                    proc.terminate()
            for proc in (server, worker):
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.stdout.write("Stopped.")

    def _wait_until_up(self, port: int, server: subprocess.Popen) -> None:
        for _ in range(100):
            if server.poll() is not None:
                raise CommandError("the web server exited at start-up; see the messages above")
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        raise CommandError(f"the web server did not answer on port {port}")
