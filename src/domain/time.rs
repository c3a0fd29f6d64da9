//! Server timestamps: stored as milliseconds since the epoch, shown as RFC 3339 UTC.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ToSchema)]
#[schema(value_type = String, format = DateTime, example = "2026-11-26T06:20:50.123Z")]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self(i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn to_rfc3339(self) -> String {
        self.with_rfc3339(str::to_owned)
    }

    /// Hands the RFC 3339 text to `f`, allocating only outside 0000–9999.
    fn with_rfc3339<R>(self, f: impl FnOnce(&str) -> R) -> R {
        let mut buf = [0u8; 24];
        match self.write_rfc3339(&mut buf) {
            Some(text) => f(text),
            None => f(&self.format_slow()),
        }
    }

    /// The RFC 3339 text written into `buf` without allocating, for years
    /// 0000–9999 (`None` otherwise). Every message in a history page and
    /// every broadcast carries timestamps, and the general formatter showed
    /// in the history profile. Same text as `format_slow`: seconds, then a
    /// fraction only when the milliseconds are not zero, without trailing
    /// zeros.
    fn write_rfc3339(self, buf: &mut [u8; 24]) -> Option<&str> {
        let days = self.0.div_euclid(86_400_000);
        let in_day = self.0.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let (secs, ms) = (in_day / 1000, in_day % 1000);
        let mut len = 0;
        let mut put = |value: i64, width: u32, then: u8| {
            for i in (0..width).rev() {
                #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                let digit = (value / 10_i64.pow(i) % 10) as u8;
                buf[len] = b'0' + digit;
                len += 1;
            }
            buf[len] = then;
            len += 1;
        };
        put(year, 4, b'-');
        put(month, 2, b'-');
        put(day, 2, b'T');
        put(secs / 3600, 2, b':');
        put(secs / 60 % 60, 2, b':');
        if ms == 0 {
            put(secs % 60, 2, b'Z');
        } else {
            put(secs % 60, 2, b'.');
            // 120 ms is ".12", 100 ms ".1".
            let (mut fraction, mut width) = (ms, 3);
            while fraction % 10 == 0 {
                fraction /= 10;
                width -= 1;
            }
            put(fraction, width, b'Z');
        }
        std::str::from_utf8(&buf[..len]).ok()
    }

    fn format_slow(self) -> String {
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        // Millisecond precision keeps the strings short and equal to what is stored.
        let at = at
            .replace_nanosecond(u32::from(at.millisecond()) * 1_000_000)
            .unwrap_or(at);
        at.format(&Rfc3339).unwrap_or_default()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_rfc3339(|text| s.serialize_str(text))
    }
}

/// Year, month, day of a day count from 1970-01-01 (proleptic Gregorian;
/// H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let at = OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)?;
        Ok(Self(
            i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
                .map_err(serde::de::Error::custom)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn timestamps_render_as_rfc3339_utc_with_milliseconds() {
        assert_eq!(
            Timestamp(1_764_138_050_123).to_rfc3339(),
            "2025-11-26T06:20:50.123Z"
        );
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        let back: Timestamp = serde_json::from_str("\"2025-11-26T06:20:50.123Z\"").unwrap();
        assert_eq!(back, Timestamp(1_764_138_050_123));
    }

    proptest::proptest! {
        #[test]
        fn the_fast_format_is_the_general_formatter_s_text(ms in -62_000_000_000_000_i64..253_402_300_799_999) {
            let t = Timestamp(ms);
            proptest::prop_assert_eq!(t.to_rfc3339(), t.format_slow());
        }

        #[test]
        fn whole_seconds_and_round_fractions_match_too(secs in 0_i64..4_000_000_000, ms in proptest::sample::select(vec![0_i64, 1, 10, 100, 120, 500, 999])) {
            let t = Timestamp(secs * 1000 + ms);
            proptest::prop_assert_eq!(t.to_rfc3339(), t.format_slow());
        }
    }
}
