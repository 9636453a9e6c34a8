"""Alert emails: match new findings to subscriptions, render the Portuguese email with its network picture,
and send it over SMTP. A leaf: the tasks that call it live in `pipeline`."""
