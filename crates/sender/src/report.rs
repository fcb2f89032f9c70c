//! What happened to each event, and the totals.

use usermaven_request::Request;

use crate::SendError;

/// The fate of one event.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Delivery {
    /// A 2xx response.
    Delivered { status: u16, attempts: u32 },
    /// A final (non-retryable) status. `message` is the server's body, truncated and with the
    /// token scrubbed out.
    Rejected {
        status: u16,
        message: String,
        attempts: u32,
    },
    /// Every attempt failed with a retryable error, or the request could not be built.
    GaveUp {
        attempts: u32,
        last_error: SendError,
    },
    /// Shutdown stopped the event after it was first sent: a retry was cancelled, or the
    /// attempt in flight was abandoned at the drain deadline. The server may have it.
    Interrupted {
        attempts: u32,
        last_error: Option<SendError>,
    },
    /// Never sent: shutdown came first.
    NotSent { reason: String },
}

impl Delivery {
    pub fn is_delivered(&self) -> bool {
        matches!(self, Delivery::Delivered { .. })
    }

    /// HTTP attempts made for this event (for a batch, the batch's attempts).
    pub fn attempts(&self) -> u32 {
        match self {
            Delivery::Delivered { attempts, .. }
            | Delivery::Rejected { attempts, .. }
            | Delivery::GaveUp { attempts, .. }
            | Delivery::Interrupted { attempts, .. } => *attempts,
            Delivery::NotSent { .. } => 0,
        }
    }

    /// A one-line reason for anything but `Delivered` (empty for it). Never holds the token.
    pub fn reason(&self) -> String {
        match self {
            Delivery::Delivered { .. } => String::new(),
            Delivery::Rejected {
                status, message, ..
            } => format!("rejected: HTTP {status}: {message}"),
            Delivery::GaveUp {
                attempts,
                last_error,
            } => {
                format!(
                    "gave up after {attempts} attempt(s): {}",
                    last_error.chain()
                )
            }
            Delivery::Interrupted {
                attempts,
                last_error: Some(e),
            } => {
                format!(
                    "interrupted by shutdown after {attempts} attempt(s): {}",
                    e.chain()
                )
            }
            Delivery::Interrupted {
                attempts,
                last_error: None,
            } => {
                format!("interrupted by shutdown during attempt {attempts}; the server may have it")
            }
            Delivery::NotSent { reason } => format!("not sent: {reason}"),
        }
    }

    /// A short label: `delivered`, `rejected`, `gave_up`, `interrupted`, `not_sent`.
    pub fn kind(&self) -> &'static str {
        match self {
            Delivery::Delivered { .. } => "delivered",
            Delivery::Rejected { .. } => "rejected",
            Delivery::GaveUp { .. } => "gave_up",
            Delivery::Interrupted { .. } => "interrupted",
            Delivery::NotSent { .. } => "not_sent",
        }
    }
}

/// One event's result, handed back with the caller's `id` and `meta` and the request itself
/// (so an undelivered one can be written to a dead-letter file).
#[derive(Debug)]
pub struct EventResult<M> {
    pub id: u64,
    pub meta: M,
    pub request: Request,
    pub delivery: Delivery,
    /// The body was over [`crate::MAX_EVENT_BYTES`]: it was sent alone, never batched.
    pub oversize: bool,
    /// How many events shared the HTTP request (1 when not batched).
    pub batch_size: usize,
}

/// Totals over a run. `events == delivered + rejected + gave_up + interrupted + not_sent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub events: u64,
    pub delivered: u64,
    pub rejected: u64,
    pub gave_up: u64,
    pub interrupted: u64,
    pub not_sent: u64,
    /// Events over the size limit (sent alone; counted again under their outcome).
    pub oversize: u64,
    /// HTTP requests made (a batch counts once per attempt).
    pub http_requests: u64,
    /// HTTP requests beyond each batch's first attempt.
    pub retries: u64,
    /// Batches sent (a single unbatched event counts as a batch of one).
    pub batches: u64,
    /// The run ended because the endpoint failed every request for the down-timeout.
    pub endpoint_down: bool,
    /// How it failed them (set with `endpoint_down`).
    pub down_cause: Option<crate::breaker::DownCause>,
}

impl Report {
    /// Count one event.
    pub fn record<M>(&mut self, r: &EventResult<M>) {
        self.events += 1;
        match r.delivery {
            Delivery::Delivered { .. } => self.delivered += 1,
            Delivery::Rejected { .. } => self.rejected += 1,
            Delivery::GaveUp { .. } => self.gave_up += 1,
            Delivery::Interrupted { .. } => self.interrupted += 1,
            Delivery::NotSent { .. } => self.not_sent += 1,
        }
        if r.oversize {
            self.oversize += 1;
        }
    }

    /// Count one batch's HTTP traffic.
    pub(crate) fn record_batch(&mut self, attempts: u32) {
        if attempts > 0 {
            self.batches += 1;
            self.http_requests += u64::from(attempts);
            self.retries += u64::from(attempts - 1);
        }
    }

    /// Events that were not delivered, whatever the reason.
    pub fn failed(&self) -> u64 {
        self.events - self.delivered
    }

    pub fn all_delivered(&self) -> bool {
        self.delivered == self.events
    }
}
