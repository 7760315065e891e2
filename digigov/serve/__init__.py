"""Serving past one core: one Streamlit process per core behind haproxy, with a watchdog (`make serve`).

One Streamlit process runs every session's script in its own thread, so the GIL holds it to one core. Several
processes behind a proxy with sticky sessions use every core, and a supervisor restarts a process that dies or
locks up (see watchdog.py for the rule). This package only starts and watches processes: it never imports
streamlit.
"""
