"""Orchestration: a pipeline run's steps (`pipeline.run`), the Celery app, tasks and beat, the local demo,
and `pipeline.enqueue`, the light entry through which the API starts runs."""
