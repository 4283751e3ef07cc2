"""The multi-agency web application (Django): record a concern, the child's profile, MASH review,
oversight and the audit log. The only layer with persistence; the core packages import none of it.
"""
