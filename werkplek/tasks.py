from celery import shared_task

from werkplek import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to, subject, body, html_body=""):
    """Deliver an e-mail rendered by the request; SMTP hiccups are retried with backoff."""
    services.email_send(to=to, subject=subject, body=body, html_body=html_body)
