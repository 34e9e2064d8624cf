"""Running the registered jobs from a test, failing the test when one fails (run_job
itself never raises: the scheduler must go on)."""

from notify.jobs import jobs_of, run_job


def run_jobs(app, *names: str) -> dict[str, object]:
    """Run the jobs named (all of them when none is), in the scheduler's order."""
    results = {}
    for job in jobs_of(app):
        if not names or job.name in names:
            outcome = run_job(app, job)
            assert outcome.ok, f"job {job.name} failed: {outcome.error}"
            results[job.name] = outcome.result
    return results
