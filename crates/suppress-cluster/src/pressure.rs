//! `suppress_pressure`: the contract's pressure arbitration of one profile, as a scalar
//! function over the profile's aggregated candidates and history.
//!
//! The plan groups the candidates (rows still kept after reasons 1–10) by profile into a list
//! of `{delivery_id, channel, weight, contact}` and the profile's history into a list of
//! `{channel, sent_at}`; this function ranks the candidates and runs
//! [`suppress_model::pressure::arbitrate_into`], the native engine's own arbitration. It
//! returns the excluded candidates only, as a list of `{delivery_id, channel, cap}` where `cap`
//! is the index of the first cap (in `--cap` order) whose count reached its limit. The caps
//! are its third argument, as the command line spells them, comma-separated.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Builder, ListBuilder, StringBuilder, StructBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Int64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};
use suppress_model::pressure::{arbitrate_into, rank, Candidate, Cap};
use suppress_model::Channel;

/// The function, to register.
pub fn udf() -> ScalarUDF {
    ScalarUDF::from(Pressure { signature: Signature::any(3, Volatility::Immutable) })
}

/// The fields of one excluded candidate.
pub fn excluded_fields() -> Fields {
    Fields::from(vec![
        Field::new("delivery_id", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("cap", DataType::Int32, false),
    ])
}

fn return_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Struct(excluded_fields()), true)))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Pressure {
    signature: Signature,
}

impl ScalarUDFImpl for Pressure {
    fn name(&self) -> &str {
        "suppress_pressure"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(return_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let caps = parse_caps(&arrays[2])?;
        let candidates = arrays[0].as_list_opt::<i32>().ok_or_else(|| type_error("candidates", &arrays[0]))?;
        let history = match arrays[1].data_type() {
            DataType::Null => None,
            _ => Some(arrays[1].as_list_opt::<i32>().ok_or_else(|| type_error("history", &arrays[1]))?),
        };
        let mut out = ListBuilder::new(StructBuilder::from_fields(excluded_fields(), 0))
            .with_field(Arc::new(Field::new("item", DataType::Struct(excluded_fields()), true)));
        let mut decisions = Vec::new();
        for row in 0..candidates.len() {
            let listed = candidates.value(row);
            let mut ranked = read_candidates(&listed)?;
            ranked.sort_by(rank);
            let sent = match history {
                Some(h) if !h.is_null(row) => read_history(&h.value(row))?,
                _ => Vec::new(),
            };
            arbitrate_into(&ranked, &sent, &caps, &mut decisions);
            let excluded = out.values();
            for (candidate, decision) in ranked.iter().zip(&decisions) {
                if let Some(cap) = decision {
                    excluded
                        .field_builder::<StringBuilder>(0)
                        .expect("delivery_id")
                        .append_value(candidate.delivery_id);
                    excluded.field_builder::<StringBuilder>(1).expect("channel").append_value(candidate.channel.name());
                    excluded.field_builder::<Int32Builder>(2).expect("cap").append_value(*cap as i32);
                    excluded.append(true);
                }
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

fn type_error(what: &str, array: &ArrayRef) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(format!(
        "suppress_pressure: {what} must be a list of structs, found {}",
        array.data_type()
    ))
}

fn parse_caps(array: &ArrayRef) -> Result<Vec<Cap>> {
    let text = match array.data_type() {
        DataType::Utf8 if !array.is_empty() => array.as_string::<i32>().value(0).to_string(),
        DataType::Utf8View if !array.is_empty() => array.as_string_view().value(0).to_string(),
        _ => return Ok(Vec::new()),
    };
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| Cap::parse(c).map_err(datafusion::error::DataFusionError::Execution))
        .collect()
}

fn column<'a>(fields: &'a datafusion::arrow::array::StructArray, name: &str) -> Result<&'a ArrayRef> {
    match fields.column_by_name(name) {
        Some(c) => Ok(c),
        None => exec_err!("suppress_pressure: no field {name}"),
    }
}

fn text_at(array: &ArrayRef, i: usize) -> &str {
    match array.data_type() {
        DataType::Utf8View => array.as_string_view().value(i),
        DataType::LargeUtf8 => array.as_string::<i64>().value(i),
        _ => array.as_string::<i32>().value(i),
    }
}

fn channel_at(array: &ArrayRef, i: usize) -> Result<Channel> {
    match Channel::parse(text_at(array, i)) {
        Some(c) => Ok(c),
        None => exec_err!("suppress_pressure: unknown channel {:?}", text_at(array, i)),
    }
}

fn read_candidates(listed: &ArrayRef) -> Result<Vec<Candidate<'_>>> {
    let fields = listed.as_struct();
    let (deliveries, channels) = (column(fields, "delivery_id")?, column(fields, "channel")?);
    let weights = column(fields, "weight")?.as_primitive::<Int64Type>();
    let contacts = column(fields, "contact")?.as_primitive::<Int64Type>();
    (0..fields.len())
        .map(|i| {
            Ok(Candidate {
                channel: channel_at(channels, i)?,
                weight: weights.value(i),
                contact: contacts.value(i),
                delivery_id: text_at(deliveries, i),
            })
        })
        .collect()
}

fn read_history(listed: &ArrayRef) -> Result<Vec<(Channel, i64)>> {
    let fields = listed.as_struct();
    let channels = column(fields, "channel")?;
    let sent = column(fields, "sent_at")?.as_primitive::<Int64Type>();
    (0..fields.len()).map(|i| Ok((channel_at(channels, i)?, sent.value(i)))).collect()
}
