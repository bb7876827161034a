"""Webhooks that follow the Standard Webhooks specification (v1): endpoints and their
secrets (`endpoints`), the messages waiting to be delivered and what became of each
(`outbox`), the check that a target is safe to call (`targets`), the signed HTTP call
(`sender`) and the loop that delivers what is due (`dispatcher`), on the schedule of a
`DeliveryPolicy` (`policy`).

Everything lives in Redis under the office's hash tag, beside the log it comes from: the
command line finds it the way it finds the log, each step that must be atomic is one Lua
script, and the durable Redis settings (AOF) that keep the log keep this too."""
