"""The workflow's last mile: the accounts films are posted to, the variants of an approved edit
made for each, and their publications."""
