//! The scalar functions the plan calls, each a thin wrapper over a rule of `suppress-model`,
//! so that the DataFusion engine canonicalizes, parses and hashes exactly as the native one.
//!
//! Every function is stateless: what a run configures (the default country, the caps) is an
//! argument, a literal in the plan. Ballista serializes a function call by its name only, so
//! a scheduler and executors that know [`all`] evaluate the same plan the same way.
//!
//! | function | arguments | result |
//! |---|---|---|
//! | `suppress_channel` | text | canonical channel name; null when null or unknown |
//! | `suppress_status` | text | `denylisted`, `quarantined`, `allowlisted` or `valid`; null when null or unknown |
//! | `suppress_action` | text | `opt_out` or `opt_in`; null when null or unknown |
//! | `suppress_service` | text | trimmed, ASCII-lowercased; null when null or empty |
//! | `suppress_checked_address` | channel, raw, country | `V` or `I` (valid, invalid) then the canonical form; null when missing |
//! | `suppress_address_of` | checked | the canonical form |
//! | `suppress_is_valid` | checked | whether it is valid |
//! | `suppress_micros` | time | whole microseconds since the epoch, toward the past |
//! | `suppress_flag` | boolean or integer | the flag, null false |
//! | `suppress_id` | integer | the id as Int64, -1 when above `i64::MAX` |
//! | `suppress_is_percent` | number | whether it is from 0 to 100 (NaN is not); null stays null |
//! | `suppress_control_group` | delivery text, channel, profile_id, percent | whether the row is held out |
//!
//! The checked address carries its validity in its first byte so that one canonicalization
//! per address serves both the canonical form and its validity (a function returning a struct
//! is evaluated once per field read).

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, BooleanBuilder, Int64Array, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};
use suppress_model::{
    control_group, AddressState, Canonicalizer, Channel, ConsentAction, CountryCode, QuarantineStatus,
};

/// Every function of this module.
pub fn all() -> Vec<ScalarUDF> {
    [
        Kind::Channel,
        Kind::Status,
        Kind::Action,
        Kind::Service,
        Kind::CheckedAddress,
        Kind::AddressOf,
        Kind::IsValid,
        Kind::Micros,
        Kind::Flag,
        Kind::Id,
        Kind::IsPercent,
        Kind::ControlGroup,
    ]
    .into_iter()
    .map(|kind| ScalarUDF::from(Function::new(kind)))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Channel,
    Status,
    Action,
    Service,
    CheckedAddress,
    AddressOf,
    IsValid,
    Micros,
    Flag,
    Id,
    IsPercent,
    ControlGroup,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Channel => "suppress_channel",
            Kind::Status => "suppress_status",
            Kind::Action => "suppress_action",
            Kind::Service => "suppress_service",
            Kind::CheckedAddress => "suppress_checked_address",
            Kind::AddressOf => "suppress_address_of",
            Kind::IsValid => "suppress_is_valid",
            Kind::Micros => "suppress_micros",
            Kind::Flag => "suppress_flag",
            Kind::Id => "suppress_id",
            Kind::IsPercent => "suppress_is_percent",
            Kind::ControlGroup => "suppress_control_group",
        }
    }

    fn arity(self) -> usize {
        match self {
            Kind::CheckedAddress => 3,
            Kind::ControlGroup => 4,
            _ => 1,
        }
    }

    fn return_type(self) -> DataType {
        match self {
            Kind::IsValid | Kind::Flag | Kind::IsPercent | Kind::ControlGroup => DataType::Boolean,
            Kind::Micros | Kind::Id => DataType::Int64,
            _ => DataType::Utf8,
        }
    }
}

/// One of the functions above.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Function {
    kind: Kind,
    signature: Signature,
}

impl Function {
    fn new(kind: Kind) -> Function {
        Function { kind, signature: Signature::any(kind.arity(), Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Function {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.kind.return_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let result = match self.kind {
            Kind::Channel => map_text(&arrays[0], |t| Channel::parse(t).map(|c| c.name().into()))?,
            Kind::Status => map_text(&arrays[0], |t| QuarantineStatus::parse(t).map(|s| status_name(s).into()))?,
            Kind::Action => map_text(&arrays[0], |t| ConsentAction::parse(t).map(|a| a.name().into()))?,
            Kind::Service => map_text(&arrays[0], |t| suppress_model::consent::service_name(t).map(Cow::Owned))?,
            Kind::CheckedAddress => checked_addresses(&arrays[0], &arrays[1], &arrays[2])?,
            Kind::AddressOf => map_text(&arrays[0], |t| t.get(1..).map(Cow::Borrowed))?,
            Kind::IsValid => {
                let texts = strings(&arrays[0])?;
                Arc::new(texts.iter().map(|t| t.map(|t| t.starts_with('V'))).collect::<BooleanArray>())
            }
            Kind::Micros => micros(&arrays[0])?,
            Kind::Flag => flags(&arrays[0])?,
            Kind::Id => ids(&arrays[0])?,
            Kind::IsPercent => {
                let values = cast(&arrays[0], &DataType::Float64)?;
                let values = values.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
                Arc::new(values.iter().map(|v| v.map(|v| (0.0..=100.0).contains(&v))).collect::<BooleanArray>())
            }
            Kind::ControlGroup => control_groups(&arrays)?,
        };
        Ok(ColumnarValue::Array(result))
    }
}

fn status_name(status: QuarantineStatus) -> &'static str {
    match status {
        QuarantineStatus::Denylisted => "denylisted",
        QuarantineStatus::Quarantined => "quarantined",
        QuarantineStatus::Allowlisted => "allowlisted",
        QuarantineStatus::Valid => "valid",
    }
}

/// A string array of any layout as `Option<&str>` per row.
struct Strings {
    array: ArrayRef,
}

impl Strings {
    fn iter(&self) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
        match self.array.data_type() {
            DataType::Utf8 => Box::new(self.array.as_string::<i32>().iter()),
            DataType::LargeUtf8 => Box::new(self.array.as_string::<i64>().iter()),
            _ => Box::new(self.array.as_string_view().iter()),
        }
    }
}

/// `array` read as strings; dictionaries and any other string layout are cast to Utf8View.
fn strings(array: &ArrayRef) -> Result<Strings> {
    let array = match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array.clone(),
        DataType::Null => cast(array, &DataType::Utf8View)?,
        DataType::Dictionary(_, value) if value.is_string() => cast(array, &DataType::Utf8View)?,
        other => return exec_err!("expected a string column, found {other}"),
    };
    Ok(Strings { array })
}

/// Maps every string of `array` through `f`, null to null.
fn map_text(array: &ArrayRef, f: impl Fn(&str) -> Option<Cow<'_, str>>) -> Result<ArrayRef> {
    let texts = strings(array)?;
    let mut out = StringBuilder::with_capacity(array.len(), 0);
    for text in texts.iter() {
        out.append_option(text.and_then(&f));
    }
    Ok(Arc::new(out.finish()))
}

/// `suppress_checked_address(channel, raw, country)`: the country is the empty string when
/// `--default-country` is not given.
fn checked_addresses(channels: &ArrayRef, raws: &ArrayRef, countries: &ArrayRef) -> Result<ArrayRef> {
    let (channels, raws, countries) = (strings(channels)?, strings(raws)?, strings(countries)?);
    let mut out = StringBuilder::with_capacity(raws.array.len(), 0);
    let mut canonical = String::new();
    let mut tagged = String::new();
    let mut canonicalizer: Option<(String, Canonicalizer)> = None;
    for ((channel, raw), country) in channels.iter().zip(raws.iter()).zip(countries.iter()) {
        let (Some(channel), Some(raw)) = (channel, raw) else {
            out.append_null();
            continue;
        };
        let Some(channel) = Channel::parse(channel) else {
            return exec_err!("suppress_checked_address: unknown channel {channel:?}");
        };
        let country = country.unwrap_or("");
        if canonicalizer.as_ref().is_none_or(|(c, _)| c != country) {
            let code = match country {
                "" => None,
                code => Some(CountryCode::parse(code).map_err(datafusion::error::DataFusionError::Execution)?),
            };
            canonicalizer = Some((country.to_string(), Canonicalizer::new(code)));
        }
        let (_, c) = canonicalizer.as_ref().expect("set above");
        match c.canonicalize_into(channel.address_kind(), raw, &mut canonical) {
            AddressState::Missing => out.append_null(),
            state => {
                tagged.clear();
                tagged.push(if state == AddressState::Valid { 'V' } else { 'I' });
                tagged.push_str(&canonical);
                out.append_value(&tagged);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Any timestamp or date as whole microseconds since the epoch, truncated toward the past.
fn micros(array: &ArrayRef) -> Result<ArrayRef> {
    use datafusion::arrow::datatypes::*;
    let out: Int64Array = match array.data_type() {
        DataType::Timestamp(unit, _) => {
            let per_unit_down = |v: i64| match unit {
                TimeUnit::Second => v.checked_mul(1_000_000),
                TimeUnit::Millisecond => v.checked_mul(1_000),
                TimeUnit::Microsecond => Some(v),
                TimeUnit::Nanosecond => Some(v.div_euclid(1_000)),
            };
            let values = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().iter().collect::<Vec<_>>(),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().iter().collect(),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().iter().collect(),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().iter().collect(),
            };
            values.into_iter().map(|v| v.and_then(per_unit_down)).collect()
        }
        DataType::Date32 => {
            array.as_primitive::<Date32Type>().iter().map(|d| d.map(|d| i64::from(d) * MICROS_PER_DAY)).collect()
        }
        DataType::Date64 => {
            array.as_primitive::<Date64Type>().iter().map(|d| d.and_then(|ms| ms.checked_mul(1_000))).collect()
        }
        DataType::Null => Int64Array::new_null(array.len()),
        other => return exec_err!("expected a timestamp or a date, found {other}"),
    };
    Ok(Arc::new(out))
}

/// A flag column: Boolean, or any integer (0 false, anything else true); null false.
fn flags(array: &ArrayRef) -> Result<ArrayRef> {
    let values: BooleanArray = match array.data_type() {
        DataType::Boolean => array.as_boolean().iter().map(|v| Some(v.unwrap_or(false))).collect(),
        DataType::Null => BooleanArray::from(vec![false; array.len()]),
        t if t.is_integer() => {
            // Every integer fits Int64 except the top half of UInt64, none of which is zero.
            let wide = cast(array, &DataType::Decimal128(20, 0))?;
            let wide = wide.as_primitive::<datafusion::arrow::datatypes::Decimal128Type>();
            wide.iter().map(|v| Some(v.is_some_and(|v| v != 0))).collect()
        }
        other => return exec_err!("expected a Boolean or integer flag, found {other}"),
    };
    let mut out = BooleanBuilder::with_capacity(values.len());
    out.extend(values.iter());
    Ok(Arc::new(out.finish()))
}

/// An id column as Int64: null stays null, a value above `i64::MAX` (only UInt64 has them)
/// becomes -1, so that one `< 0` test finds every id outside `0..=i64::MAX`.
fn ids(array: &ArrayRef) -> Result<ArrayRef> {
    let out: Int64Array = match array.data_type() {
        DataType::UInt64 => array
            .as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
            .iter()
            .map(|v| v.map(|v| i64::try_from(v).unwrap_or(-1)))
            .collect(),
        DataType::Null => Int64Array::new_null(array.len()),
        t if t.is_integer() => cast(array, &DataType::Int64)?.as_primitive().clone(),
        other => return exec_err!("expected an integer id, found {other}"),
    };
    Ok(Arc::new(out))
}

/// `suppress_control_group(delivery text, channel, profile_id, percent)`.
fn control_groups(arrays: &[ArrayRef]) -> Result<ArrayRef> {
    let deliveries = strings(&arrays[0])?;
    let channels = strings(&arrays[1])?;
    let profiles = cast(&arrays[2], &DataType::Int64)?;
    let profiles = profiles.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    let percents = cast(&arrays[3], &DataType::Float64)?;
    let percents = percents.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
    let mut out = BooleanBuilder::with_capacity(profiles.len());
    let mut bytes = Vec::new();
    for (((delivery, channel), profile), percent) in
        deliveries.iter().zip(channels.iter()).zip(profiles.iter()).zip(percents.iter())
    {
        let (Some(delivery), Some(channel), Some(profile)) = (delivery, channel, profile) else {
            out.append_value(false);
            continue;
        };
        let Some(channel) = Channel::parse(channel) else {
            return exec_err!("suppress_control_group: unknown channel {channel:?}");
        };
        let percent = percent.unwrap_or(0.0);
        let held = percent > 0.0 && {
            control_group::hash_input_into(&mut bytes, delivery, channel, profile);
            control_group::bucket(&bytes) < control_group::threshold(percent)
        };
        out.append_value(held);
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray, TimestampNanosecondArray, UInt64Array};

    fn call(kind: Kind, args: Vec<ArrayRef>) -> ArrayRef {
        let f = Function::new(kind);
        let arrays: Vec<ColumnarValue> = args.iter().cloned().map(ColumnarValue::Array).collect();
        let number_rows = args[0].len();
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(datafusion::arrow::datatypes::Field::new("a", a.data_type().clone(), true)))
            .collect();
        let return_field = Arc::new(datafusion::arrow::datatypes::Field::new("r", kind.return_type(), true));
        let result = f
            .invoke_with_args(ScalarFunctionArgs {
                args: arrays,
                arg_fields,
                number_rows,
                return_field,
                config_options: Default::default(),
            })
            .unwrap();
        match result {
            ColumnarValue::Array(a) => a,
            ColumnarValue::Scalar(_) => unreachable!(),
        }
    }

    fn texts(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    fn as_texts(array: &ArrayRef) -> Vec<Option<String>> {
        array.as_string::<i32>().iter().map(|t| t.map(str::to_string)).collect()
    }

    #[test]
    fn names_parse_as_the_contract_spells_them() {
        let got = call(Kind::Channel, vec![texts(&[Some(" Email\t"), Some("mail"), None, Some("\u{212A}")])]);
        assert_eq!(as_texts(&got), [Some("email".into()), None, None, None]);
        let got = call(Kind::Status, vec![texts(&[Some("Blacklisted"), Some("with errors"), Some("erroneous")])]);
        assert_eq!(as_texts(&got), [Some("denylisted".into()), None, Some("valid".into())]);
        let got = call(Kind::Action, vec![texts(&[Some(" STOP "), Some("Subscribe"), Some("")])]);
        assert_eq!(as_texts(&got), [Some("opt_out".into()), Some("opt_in".into()), None]);
        let got = call(Kind::Service, vec![texts(&[Some(" NewsLetter "), Some(" \x0B"), None])]);
        assert_eq!(as_texts(&got), [Some("newsletter".into()), None, None]);
    }

    #[test]
    fn checked_address_carries_validity_and_the_canonical_form() {
        let raws = texts(&[Some(" A@B.CO "), Some("06 12 34 56 78"), Some("not an email"), Some(" \t"), None]);
        let channels = texts(&[Some("email"), Some("sms"), Some("email"), Some("email"), Some("email")]);
        let countries = texts(&[Some("33"); 5]);
        let checked = call(Kind::CheckedAddress, vec![channels, raws, countries]);
        assert_eq!(
            as_texts(&checked),
            [Some("Va@b.co".into()), Some("V+33612345678".into()), Some("Inot an email".into()), None, None]
        );
        let canonical = call(Kind::AddressOf, vec![checked.clone()]);
        assert_eq!(as_texts(&canonical)[2].as_deref(), Some("not an email"));
        let valid = call(Kind::IsValid, vec![checked]);
        assert_eq!(valid.as_boolean().iter().collect::<Vec<_>>(), [Some(true), Some(true), Some(false), None, None]);
        // Without a default country, a national number stays as it is, and is invalid.
        let checked =
            call(Kind::CheckedAddress, vec![texts(&[Some("sms")]), texts(&[Some("0612345678")]), texts(&[Some("")])]);
        assert_eq!(as_texts(&checked), [Some("I0612345678".into())]);
    }

    #[test]
    fn times_are_truncated_toward_the_past() {
        let ns: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![Some(1_999), Some(-1), None]));
        let got = call(Kind::Micros, vec![ns]);
        assert_eq!(
            got.as_primitive::<datafusion::arrow::datatypes::Int64Type>().iter().collect::<Vec<_>>(),
            [Some(1), Some(-1), None]
        );
    }

    #[test]
    fn flags_and_ids() {
        let got = call(Kind::Flag, vec![Arc::new(Int32Array::from(vec![Some(0), Some(-3), None]))]);
        assert_eq!(got.as_boolean().iter().collect::<Vec<_>>(), [Some(false), Some(true), Some(false)]);
        let got = call(Kind::Id, vec![Arc::new(UInt64Array::from(vec![Some(u64::MAX), Some(7), None]))]);
        assert_eq!(
            got.as_primitive::<datafusion::arrow::datatypes::Int64Type>().iter().collect::<Vec<_>>(),
            [Some(-1), Some(7), None]
        );
    }

    #[test]
    fn control_group_is_the_contract_hash() {
        let deliveries = texts(&[Some("d1"), Some("d1")]);
        let channels = texts(&[Some("email"), Some("email")]);
        let profiles: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        let percents: ArrayRef = Arc::new(datafusion::arrow::array::Float64Array::from(vec![100.0, 0.0]));
        let got = call(Kind::ControlGroup, vec![deliveries, channels, profiles, percents]);
        assert_eq!(
            got.as_boolean().iter().collect::<Vec<_>>(),
            [Some(control_group::in_control_group("d1", Channel::Email, 1, 100.0)), Some(false)]
        );
        assert!(got.as_boolean().value(0), "100% holds every row out");
    }
}
