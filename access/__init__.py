"""Who comes in: the sign-in policy's pieces (client address, lockout page) and the audit log.

django-axes counts failed sign-ins and locks out (``AXES_*`` in ``dam/settings.py``);
the API's throttles live in ``renditions.api.throttling``. Everything that crosses
the door (sign-ins, failures, lockouts, API tokens made, permission refusals) is
written here, to ``AuditEvent``, which administrators read in the admin.
"""
