"""Staff, departments and the job-title → band map."""
