from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks' management commands (bench/management/commands); no models. The bench_*.py scripts
    beside it are run as scripts, not imported by the project."""

    name = "bench"
    verbose_name = "Benchmarks"
