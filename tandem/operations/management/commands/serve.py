"""`tandem serve`: the web server (gunicorn, threaded workers)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the Tandem web server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
        parser.add_argument("--threads", type=int, default=4, help="threads per process (default 4)")

    def handle(self, *args, bind: str, workers: int, threads: int, **options) -> None:
        from gunicorn.app.base import BaseApplication

        from tandem.config.wsgi import application

        class TandemServer(BaseApplication):
            def load_config(self) -> None:
                for key, value in {"bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
                                   "accesslog": None, "timeout": 120}.items():
                    self.cfg.set(key, value)

            def load(self):
                return application

        TandemServer().run()
