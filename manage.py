#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dam.settings")
    from django.core.management import execute_from_command_line

    from dam import instance

    instance.prepare()  # var/ and its secret key: importing the settings writes nothing

    execute_from_command_line(sys.argv)
