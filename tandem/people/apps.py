from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tandem.people"
    verbose_name = "People, teams and API tokens"

    def ready(self) -> None:
        from tandem import clock

        clock.check_environment()
