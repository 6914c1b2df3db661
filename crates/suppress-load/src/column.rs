//! Typed, read-only views over the Arrow types the contract accepts.
//!
//! Each view is built once per batch (a cheap `Arc` clone, or one cast for dictionaries) and
//! then answers per-row questions without allocating.

use std::borrow::Cow;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, LargeStringArray, StringArray, StringViewArray, UInt64Array,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type, TimeUnit};

/// A column's type is not one the contract accepts for it.
#[derive(Debug, Clone)]
pub struct TypeMismatch {
    pub found: String,
    pub expected: &'static str,
}

fn mismatch(array: &ArrayRef, expected: &'static str) -> TypeMismatch {
    TypeMismatch { found: array.data_type().to_string(), expected }
}

const STRING_TYPES: &str = "a string (Utf8, LargeUtf8, Utf8View or dictionary of strings)";
const ID_TYPES: &str = "an integer (Int8..Int64 or UInt8..UInt64)";
const FLAG_TYPES: &str = "Boolean or an integer (0 = false)";
const TIME_TYPES: &str = "a timestamp (with or without time zone) or a date (Date32, Date64)";
const DELIVERY_TYPES: &str = "a string or an integer";
const INTEGER_TYPES: &str = "an integer (Int8..Int64 or UInt8..UInt64)";
const NUMBER_TYPES: &str = "a number (an integer, floating-point or decimal type)";

/// A string column of any encoding.
#[derive(Debug, Clone)]
pub enum StrColumn {
    Utf8(StringArray),
    Large(LargeStringArray),
    View(StringViewArray),
}

impl StrColumn {
    pub fn try_new(array: &ArrayRef) -> Result<StrColumn, TypeMismatch> {
        match array.data_type() {
            DataType::Utf8 => Ok(StrColumn::Utf8(array.as_string::<i32>().clone())),
            DataType::LargeUtf8 => Ok(StrColumn::Large(array.as_string::<i64>().clone())),
            DataType::Utf8View => Ok(StrColumn::View(array.as_string_view().clone())),
            DataType::Dictionary(_, value) if is_string_type(value) => {
                // Unpacking costs one pass; dictionary columns are short strings (channels,
                // statuses) in practice.
                let plain = cast(array, value).map_err(|_| mismatch(array, STRING_TYPES))?;
                StrColumn::try_new(&plain)
            }
            _ => Err(mismatch(array, STRING_TYPES)),
        }
    }

    /// The value of row `i`, `None` for null.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            StrColumn::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            StrColumn::Large(a) => a.is_valid(i).then(|| a.value(i)),
            StrColumn::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }

    /// Row `i`'s Utf8View view, `None` for null or another string type. Within one array,
    /// rows with equal views hold equal values (an inline string, or the same bytes of the same
    /// buffer, as a decoded dictionary page gives every repeat of a value); different views say
    /// nothing: the values may still be equal.
    #[inline]
    pub fn view(&self, i: usize) -> Option<u128> {
        match self {
            StrColumn::View(a) => a.is_valid(i).then(|| a.views()[i]),
            StrColumn::Utf8(_) | StrColumn::Large(_) => None,
        }
    }

    /// The bytes of all values together (nulls count as empty): what a copy of every value
    /// needs.
    pub fn value_bytes(&self) -> usize {
        match self {
            StrColumn::Utf8(a) => (a.offsets()[a.len()] - a.offsets()[0]) as usize,
            StrColumn::Large(a) => (a.offsets()[a.len()] - a.offsets()[0]) as usize,
            // The low 32 bits of a view are the value's length.
            StrColumn::View(a) => a.views().iter().map(|&v| v as u32 as usize).sum(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            StrColumn::Utf8(a) => a.len(),
            StrColumn::Large(a) => a.len(),
            StrColumn::View(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn is_string_type(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// The value of one row of an id column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdValue {
    Null,
    Valid(i64),
    /// Negative, or an unsigned value above `i64::MAX`; kept for the error message.
    OutOfRange(i128),
}

/// An integer id column of any width and signedness.
#[derive(Debug, Clone)]
pub enum IdColumn {
    Signed(Int64Array),
    Unsigned(UInt64Array),
}

impl IdColumn {
    pub fn try_new(array: &ArrayRef) -> Result<IdColumn, TypeMismatch> {
        let widen = |to: &DataType| cast(array, to).map_err(|_| mismatch(array, ID_TYPES));
        match array.data_type() {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                Ok(IdColumn::Signed(widen(&DataType::Int64)?.as_primitive().clone()))
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                Ok(IdColumn::Unsigned(widen(&DataType::UInt64)?.as_primitive().clone()))
            }
            _ => Err(mismatch(array, ID_TYPES)),
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> IdValue {
        match self {
            IdColumn::Signed(a) if a.is_null(i) => IdValue::Null,
            IdColumn::Unsigned(a) if a.is_null(i) => IdValue::Null,
            IdColumn::Signed(a) => match a.value(i) {
                v if v >= 0 => IdValue::Valid(v),
                v => IdValue::OutOfRange(v.into()),
            },
            IdColumn::Unsigned(a) => match i64::try_from(a.value(i)) {
                Ok(v) => IdValue::Valid(v),
                Err(_) => IdValue::OutOfRange(a.value(i).into()),
            },
        }
    }
}

/// A boolean or integer flag column; null is false.
#[derive(Debug, Clone)]
pub enum FlagColumn {
    Bool(BooleanArray),
    Signed(Int64Array),
    Unsigned(UInt64Array),
}

impl FlagColumn {
    pub fn try_new(array: &ArrayRef) -> Result<FlagColumn, TypeMismatch> {
        let widen = |to: &DataType| cast(array, to).map_err(|_| mismatch(array, FLAG_TYPES));
        match array.data_type() {
            DataType::Boolean => Ok(FlagColumn::Bool(array.as_boolean().clone())),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                Ok(FlagColumn::Signed(widen(&DataType::Int64)?.as_primitive().clone()))
            }
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
                Ok(FlagColumn::Unsigned(widen(&DataType::UInt64)?.as_primitive().clone()))
            }
            _ => Err(mismatch(array, FLAG_TYPES)),
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> bool {
        match self {
            FlagColumn::Bool(a) => a.is_valid(i) && a.value(i),
            FlagColumn::Signed(a) => a.is_valid(i) && a.value(i) != 0,
            FlagColumn::Unsigned(a) => a.is_valid(i) && a.value(i) != 0,
        }
    }
}

/// A time column (`expires_at`, `at`, `contact_date`, ...): instants as nanoseconds since the
/// Unix epoch, UTC, or as the whole microseconds the contract truncates every time to.
///
/// `i128` holds every date and timestamp Arrow can express without overflow, so comparisons
/// with `--as-of` are exact whatever the unit.
#[derive(Debug, Clone)]
pub struct TimeColumn {
    /// Raw values in `nanos_per_unit` units (timestamps and Date64 reinterpreted as Int64).
    values: TimeValues,
    nanos_per_unit: i128,
    /// `nanos_per_unit / 1000`, 0 for nanoseconds: [`TimeColumn::micros`] in 64 bits.
    micros_per_unit: i64,
}

#[derive(Debug, Clone)]
enum TimeValues {
    Wide(Int64Array),
    Days(arrow::array::Date32Array),
}

impl TimeColumn {
    pub fn try_new(array: &ArrayRef) -> Result<TimeColumn, TypeMismatch> {
        let nanos_per_unit: i128 = match array.data_type() {
            DataType::Timestamp(unit, _) => match unit {
                TimeUnit::Second => 1_000_000_000,
                TimeUnit::Millisecond => 1_000_000,
                TimeUnit::Microsecond => 1_000,
                TimeUnit::Nanosecond => 1,
            },
            DataType::Date32 => 86_400 * 1_000_000_000,
            DataType::Date64 => 1_000_000,
            _ => return Err(mismatch(array, TIME_TYPES)),
        };
        let values = if let DataType::Date32 = array.data_type() {
            TimeValues::Days(array.as_primitive::<Date32Type>().clone())
        } else {
            // Timestamps and Date64 are i64 underneath; the cast only relabels the buffer.
            let wide = cast(array, &DataType::Int64).map_err(|_| mismatch(array, TIME_TYPES))?;
            TimeValues::Wide(wide.as_primitive().clone())
        };
        Ok(TimeColumn { values, nanos_per_unit, micros_per_unit: (nanos_per_unit / 1000) as i64 })
    }

    /// Nanoseconds since the epoch, `None` for null (never expires).
    #[inline]
    pub fn get(&self, i: usize) -> Option<i128> {
        let raw: i128 = match &self.values {
            TimeValues::Wide(a) => a.is_valid(i).then(|| a.value(i).into())?,
            TimeValues::Days(a) => a.is_valid(i).then(|| a.value(i).into())?,
        };
        Some(raw * self.nanos_per_unit)
    }

    /// Row `i` truncated to whole microseconds toward the past (the contract's reading of
    /// every time), `None` for null.
    #[inline]
    pub fn micros(&self, i: usize) -> Option<i64> {
        let raw: i64 = match &self.values {
            TimeValues::Wide(a) => a.is_valid(i).then(|| a.value(i))?,
            TimeValues::Days(a) => a.is_valid(i).then(|| a.value(i).into())?,
        };
        // `micros_of_nanos(raw * nanos_per_unit)` without 128-bit arithmetic (a division per
        // row of a log's tens of millions): a unit of whole microseconds multiplies, clamped
        // as that would be; nanoseconds divide toward the past.
        Some(if self.micros_per_unit > 0 { raw.saturating_mul(self.micros_per_unit) } else { raw.div_euclid(1000) })
    }
}

/// Nanoseconds since the epoch truncated to whole microseconds toward the past, clamped to
/// the `i64` range (which covers every date until the year 294247).
#[inline]
pub fn micros_of_nanos(nanos: i128) -> i64 {
    nanos.div_euclid(1000).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// An integer column of any width and signedness (`weight`, `error_count`), read as `i128`
/// so that every value, negative or above `i64::MAX`, reaches the caller's range check.
#[derive(Debug, Clone)]
pub struct IntegerColumn(IdColumn);

impl IntegerColumn {
    pub fn try_new(array: &ArrayRef) -> Result<IntegerColumn, TypeMismatch> {
        IdColumn::try_new(array).map(IntegerColumn).map_err(|_| mismatch(array, INTEGER_TYPES))
    }

    /// Row `i`, `None` for null.
    #[inline]
    pub fn get(&self, i: usize) -> Option<i128> {
        match &self.0 {
            IdColumn::Signed(a) => a.is_valid(i).then(|| a.value(i).into()),
            IdColumn::Unsigned(a) => a.is_valid(i).then(|| a.value(i).into()),
        }
    }
}

/// A number column that may also be fractional (`control_percent`): any integer,
/// floating-point or decimal type, read as `f64`.
#[derive(Debug, Clone)]
pub struct NumberColumn(arrow::array::Float64Array);

impl NumberColumn {
    pub fn try_new(array: &ArrayRef) -> Result<NumberColumn, TypeMismatch> {
        let numeric = array.data_type().is_integer()
            || array.data_type().is_floating()
            || matches!(
                array.data_type(),
                DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..)
            );
        if !numeric {
            return Err(mismatch(array, NUMBER_TYPES));
        }
        let wide = cast(array, &DataType::Float64).map_err(|_| mismatch(array, NUMBER_TYPES))?;
        Ok(NumberColumn(wide.as_primitive().clone()))
    }

    /// Row `i`, `None` for null.
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        self.0.is_valid(i).then(|| self.0.value(i))
    }
}

/// A `delivery_id` column: strings are kept as they are, integers written in decimal.
#[derive(Debug, Clone)]
pub enum DeliveryIdColumn {
    Str(StrColumn),
    Int(IdColumn),
}

impl DeliveryIdColumn {
    pub fn try_new(array: &ArrayRef) -> Result<DeliveryIdColumn, TypeMismatch> {
        if let Ok(ids) = IdColumn::try_new(array) {
            return Ok(DeliveryIdColumn::Int(ids));
        }
        StrColumn::try_new(array).map(DeliveryIdColumn::Str).map_err(|_| mismatch(array, DELIVERY_TYPES))
    }

    /// A key for row `i`'s delivery id when one is at hand without reading a string: its view
    /// for a Utf8View column, its value for an integer one; `None` for null, a bad integer or
    /// another string type. Within one array, rows with equal keys hold equal ids (see
    /// [`StrColumn::view`]); different keys say nothing.
    #[inline]
    pub fn key(&self, i: usize) -> Option<u128> {
        match self {
            DeliveryIdColumn::Str(s) => s.view(i),
            DeliveryIdColumn::Int(ids) => match ids.get(i) {
                IdValue::Valid(v) => Some(v as u128),
                IdValue::Null | IdValue::OutOfRange(_) => None,
            },
        }
    }

    /// The delivery id of row `i` as written in outputs; `Err` carries the bad integer.
    #[inline]
    pub fn get(&self, i: usize) -> Result<Option<Cow<'_, str>>, i128> {
        match self {
            DeliveryIdColumn::Str(s) => Ok(s.get(i).map(Cow::Borrowed)),
            DeliveryIdColumn::Int(ids) => match ids.get(i) {
                IdValue::Null => Ok(None),
                IdValue::Valid(v) => Ok(Some(Cow::Owned(v.to_string()))),
                IdValue::OutOfRange(v) => Err(v),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Date32Array, DictionaryArray, Int32Array, Int8Array, TimestampMillisecondArray, TimestampSecondArray,
        UInt64Array, UInt8Array,
    };
    use arrow::datatypes::Int16Type;
    use std::sync::Arc;

    #[test]
    fn strings_of_every_encoding() {
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![Some("a"), None])),
            Arc::new(LargeStringArray::from(vec![Some("a"), None])),
            Arc::new(StringViewArray::from(vec![Some("a"), None])),
            Arc::new(vec![Some("a"), None].into_iter().collect::<DictionaryArray<Int16Type>>()),
        ];
        for array in arrays {
            let col = StrColumn::try_new(&array).unwrap();
            assert_eq!(col.get(0), Some("a"));
            assert_eq!(col.get(1), None);
        }
        let err = StrColumn::try_new(&(Arc::new(Int32Array::from(vec![1])) as ArrayRef)).unwrap_err();
        assert_eq!(err.found, "Int32");
    }

    #[test]
    fn equal_views_and_keys_only_when_they_prove_it() {
        use arrow::array::StringViewBuilder;
        let long = "a delivery id longer than twelve bytes";
        // Deduplicated like a decoded dictionary page: repeats share one view.
        let mut shared = StringViewBuilder::new().with_deduplicate_strings();
        for value in [Some(long), Some(long), None, Some("short"), Some("short"), Some("other")] {
            shared.append_option(value);
        }
        let shared = StrColumn::try_new(&(Arc::new(shared.finish()) as ArrayRef)).unwrap();
        assert!(shared.view(0).is_some() && shared.view(0) == shared.view(1));
        assert!(shared.view(3).is_some() && shared.view(3) == shared.view(4), "inline strings are their views");
        assert_eq!(shared.view(2), None, "null is no value");
        assert_ne!(shared.view(4), shared.view(5));
        assert_eq!(shared.value_bytes(), 2 * long.len() + 2 * 5 + 5);
        // Copied one by one, equal long values have different views: unknown.
        let copied = StrColumn::try_new(&(Arc::new(StringViewArray::from(vec![long, long])) as ArrayRef)).unwrap();
        assert_ne!(copied.view(0), copied.view(1));
        let plain = StrColumn::try_new(&(Arc::new(StringArray::from(vec!["ab", "ab", "c"])) as ArrayRef)).unwrap();
        assert_eq!(plain.view(0), None, "another string type has no view");
        assert_eq!(plain.value_bytes(), 5);
        let ints = DeliveryIdColumn::try_new(&(Arc::new(Int32Array::from(vec![Some(7), Some(7), None])) as ArrayRef));
        let ints = ints.unwrap();
        assert!(ints.key(0).is_some() && ints.key(0) == ints.key(1));
        assert_eq!(ints.key(2), None);
        let views = DeliveryIdColumn::try_new(&(Arc::new(StringViewArray::from(vec![Some("d1"), None])) as ArrayRef));
        let views = views.unwrap();
        assert!(views.key(0).is_some() && views.key(1).is_none());
    }

    #[test]
    fn ids_of_any_integer_type_with_range_checks() {
        let signed: ArrayRef = Arc::new(Int8Array::from(vec![Some(5), None, Some(-1)]));
        let col = IdColumn::try_new(&signed).unwrap();
        assert_eq!(col.get(0), IdValue::Valid(5));
        assert_eq!(col.get(1), IdValue::Null);
        assert_eq!(col.get(2), IdValue::OutOfRange(-1));
        let unsigned: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX, i64::MAX as u64]));
        let col = IdColumn::try_new(&unsigned).unwrap();
        assert_eq!(col.get(0), IdValue::OutOfRange(u64::MAX.into()));
        assert_eq!(col.get(1), IdValue::Valid(i64::MAX));
        let float: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![1.0]));
        assert!(IdColumn::try_new(&float).is_err());
        let text: ArrayRef = Arc::new(StringArray::from(vec!["1"]));
        assert!(IdColumn::try_new(&text).is_err());
    }

    #[test]
    fn flags_null_is_false_nonzero_is_true() {
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]));
        let col = FlagColumn::try_new(&b).unwrap();
        assert_eq!((col.get(0), col.get(1), col.get(2)), (true, false, false));
        let i: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), Some(-3), None, Some(2)]));
        let col = FlagColumn::try_new(&i).unwrap();
        assert_eq!((col.get(0), col.get(1), col.get(2), col.get(3)), (false, true, false, true));
        let u: ArrayRef = Arc::new(UInt8Array::from(vec![255]));
        assert!(FlagColumn::try_new(&u).unwrap().get(0));
        let big: ArrayRef = Arc::new(UInt64Array::from(vec![u64::MAX]));
        assert!(FlagColumn::try_new(&big).unwrap().get(0));
        let s: ArrayRef = Arc::new(StringArray::from(vec!["true"]));
        assert!(FlagColumn::try_new(&s).is_err());
    }

    #[test]
    fn expiry_in_nanoseconds_whatever_the_unit() {
        let d: ArrayRef = Arc::new(Date32Array::from(vec![Some(1), None]));
        let col = TimeColumn::try_new(&d).unwrap();
        assert_eq!(col.get(0), Some(86_400_000_000_000));
        assert_eq!(col.get(1), None);
        let s: ArrayRef = Arc::new(TimestampSecondArray::from(vec![2]).with_timezone("+02:00"));
        assert_eq!(TimeColumn::try_new(&s).unwrap().get(0), Some(2_000_000_000));
        let ms: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![3]));
        assert_eq!(TimeColumn::try_new(&ms).unwrap().get(0), Some(3_000_000));
        let far: ArrayRef = Arc::new(Date32Array::from(vec![i32::MAX]));
        assert_eq!(TimeColumn::try_new(&far).unwrap().get(0), Some(i128::from(i32::MAX) * 86_400_000_000_000));
        let text: ArrayRef = Arc::new(StringArray::from(vec!["2026-01-01"]));
        assert!(TimeColumn::try_new(&text).is_err());
    }

    #[test]
    fn times_truncate_to_microseconds_toward_the_past() {
        use arrow::array::TimestampNanosecondArray;
        let ns: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![Some(1_999), Some(-1), Some(-1_000), None]));
        let col = TimeColumn::try_new(&ns).unwrap();
        assert_eq!((col.micros(0), col.micros(1), col.micros(2), col.micros(3)), (Some(1), Some(-1), Some(-1), None));
        let far: ArrayRef = Arc::new(Date32Array::from(vec![i32::MAX]));
        assert_eq!(TimeColumn::try_new(&far).unwrap().micros(0), Some(i64::MAX));
    }

    #[test]
    fn micros_agree_with_the_nanoseconds_in_every_unit_at_the_extremes() {
        use arrow::array::{Date64Array, TimestampMicrosecondArray, TimestampNanosecondArray};
        let values = [i64::MIN, i64::MIN + 1, -86_400_001, -1_001, -1_000, -999, -1, 0, 1, 999, 1_000, i64::MAX];
        let days: Vec<i32> = [i32::MIN, -1, 0, 1, i32::MAX].into();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(TimestampSecondArray::from(values.to_vec())),
            Arc::new(TimestampMillisecondArray::from(values.to_vec())),
            Arc::new(TimestampMicrosecondArray::from(values.to_vec())),
            Arc::new(TimestampNanosecondArray::from(values.to_vec())),
            Arc::new(Date64Array::from(values.to_vec())),
            Arc::new(Date32Array::from(days)),
        ];
        for array in arrays {
            let col = TimeColumn::try_new(&array).unwrap();
            for i in 0..array.len() {
                assert_eq!(col.micros(i), col.get(i).map(micros_of_nanos), "{} row {i}", array.data_type());
            }
        }
    }

    #[test]
    fn integers_of_any_type_and_numbers_that_may_be_fractional() {
        let u: ArrayRef = Arc::new(UInt64Array::from(vec![Some(u64::MAX), None]));
        let col = IntegerColumn::try_new(&u).unwrap();
        assert_eq!((col.get(0), col.get(1)), (Some(i128::from(u64::MAX)), None));
        let i: ArrayRef = Arc::new(Int8Array::from(vec![-3]));
        assert_eq!(IntegerColumn::try_new(&i).unwrap().get(0), Some(-3));
        let f: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![1.5]));
        assert!(IntegerColumn::try_new(&f).is_err());
        let dec: ArrayRef = Arc::new(
            arrow::array::Decimal128Array::from(vec![Some(1250), None]).with_precision_and_scale(10, 2).unwrap(),
        );
        let col = NumberColumn::try_new(&dec).unwrap();
        assert_eq!((col.get(0), col.get(1)), (Some(12.5), None));
        let f32s: ArrayRef = Arc::new(arrow::array::Float32Array::from(vec![f32::NAN]));
        assert!(NumberColumn::try_new(&f32s).unwrap().get(0).unwrap().is_nan());
        assert_eq!(NumberColumn::try_new(&i).unwrap().get(0), Some(-3.0));
        let text: ArrayRef = Arc::new(StringArray::from(vec!["12"]));
        assert!(NumberColumn::try_new(&text).is_err());
    }

    #[test]
    fn delivery_ids_strings_unchanged_integers_in_decimal() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some(" D1 "), None]));
        let col = DeliveryIdColumn::try_new(&s).unwrap();
        assert_eq!(col.get(0).unwrap().as_deref(), Some(" D1 "));
        assert_eq!(col.get(1).unwrap(), None);
        let i: ArrayRef = Arc::new(Int32Array::from(vec![42, -1]));
        let col = DeliveryIdColumn::try_new(&i).unwrap();
        assert_eq!(col.get(0).unwrap().as_deref(), Some("42"));
        assert_eq!(col.get(1), Err(-1));
    }
}
