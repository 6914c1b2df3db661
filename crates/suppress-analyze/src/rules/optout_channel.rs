//! Reason 3, `optout_channel`: the profile's opt-out column of the delivery's channel
//! (`optout_email`, `optout_sms`, ...) is true.

use suppress_index::channel_bit;
use suppress_model::{Channel, Reason};

/// `flags` are the profile's opt-out flags (`suppress_index::ProfileIndex::flags`).
#[inline]
pub fn check(flags: u8, channel: Channel) -> Result<(), Reason> {
    if flags & channel_bit(channel) != 0 {
        Err(Reason::OptoutChannel)
    } else {
        Ok(())
    }
}
