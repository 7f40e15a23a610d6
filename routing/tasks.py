from celery import shared_task


@shared_task(name="routing.tasks.retrain")
def retrain():
    """Retrain the routing model on the county's decisions. Idempotent: unchanged decisions, no new version."""
    from routing.learning import retrain as run

    model = run()
    return {"version": model.version, "examples": model.examples}
