#!/bin/sh
# greenlight-standin's bin/start: the server in the foreground, on $PORT (3000).
exec /usr/bin/python3 /usr/local/lib/greenlight-standin/greenlight_standin.py
