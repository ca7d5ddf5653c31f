load_subconfig("course_config.py")  # noqa: F821 (the course's one configuration)
