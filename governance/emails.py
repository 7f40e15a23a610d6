"""One helper renders every email from a set of templates:
templates/emails/<name>-subject.txt, <name>-body.txt and (optional) <name>-body.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string


def send_templated_email(name, *, to, context, connection=None):
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to,
                                     connection=connection)
    try:
        message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    except TemplateDoesNotExist:
        pass
    message.send()
