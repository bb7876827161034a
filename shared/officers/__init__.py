"""The office's officers: who they are (the directory, kept as events in the log), how they
prove it (credentials, kept apart from the log), and what their sign-ins leave behind."""
