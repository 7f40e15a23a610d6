"""Form helpers shared by every app's pages (the form counterpart of config.api_common's error mapping)."""


def service_errors_into_form(form, exc):
    """Put a service's django ValidationError onto a bound form: field errors on the form's field of that
    name, the rest (and errors for fields the form does not have) as non-field errors. The API maps the
    same errors with config.api_common."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
