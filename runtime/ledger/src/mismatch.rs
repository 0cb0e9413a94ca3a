//! Says how two endorsements differ, for [`EndorseError::Mismatch`](crate::endorse::EndorseError::Mismatch).
//!
//! Function calls are compared first: when a function chaincode calls
//! answers two endorsers differently, their responses and writes usually
//! differ too (or one endorser's chaincode fails, e.g. a transfer allowed on
//! one peer and denied on the other), but the answer is the cause, and the
//! user needs to know which call to look at.

use crate::model::{Decode, FunctionCall, ProposalResponsePayload};

/// Longest answer shown in a message, in bytes of text.
const ANSWER_SHOWN: usize = 200;

/// What differs between the encoded payloads `first` and `other`, as the end
/// of the sentence "`<first endorser>` and `<other endorser>` …".
pub(crate) fn difference(first: &[u8], other: &[u8]) -> String {
    let (Ok(a), Ok(b)) = (
        ProposalResponsePayload::from_bytes(first),
        ProposalResponsePayload::from_bytes(other),
    ) else {
        return "returned different payloads".into();
    };
    if let Some(what) = calls_difference(&a.function_calls, &b.function_calls) {
        return what;
    }
    let what = if a.response != b.response {
        "responses"
    } else if a.rwset != b.rwset {
        "read/write sets"
    } else if a.event != b.event {
        "chaincode events"
    } else {
        "payloads"
    };
    format!("returned different {what}")
}

/// How two endorsers' function calls differ, naming the first call that does;
/// `None` when they are the same.
pub(crate) fn calls_difference(a: &[FunctionCall], b: &[FunctionCall]) -> Option<String> {
    if a == b {
        return None;
    }
    let Some((i, (x, y))) = a.iter().zip(b).enumerate().find(|(_, (x, y))| x != y) else {
        return Some(format!(
            "made different numbers of function calls ({} and {})",
            a.len(),
            b.len()
        ));
    };
    let n = i + 1;
    if (&x.service, &x.function, &x.payload) != (&y.service, &y.function, &y.payload) {
        return Some(format!(
            "made different requests in function call #{n} ({}/{} and {}/{})",
            x.service, x.function, y.service, y.function
        ));
    }
    Some(format!(
        "got different answers from function call #{n}, {}/{}: {} and {}",
        x.service,
        x.function,
        answer(&x.result),
        answer(&y.result)
    ))
}

/// An answer as text: `` `{"allowed":true}` `` or `` error `…` ``, cut short.
fn answer(result: &Result<Vec<u8>, String>) -> String {
    let (prefix, text) = match result {
        Ok(bytes) => ("", String::from_utf8_lossy(bytes).into_owned()),
        Err(error) => ("error ", error.clone()),
    };
    if text.len() <= ANSWER_SHOWN {
        return format!("{prefix}`{text}`");
    }
    let mut end = ANSWER_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{prefix}`{}…` ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChaincodeResponse, Encode, RwSet};

    fn payload(calls: Vec<FunctionCall>, response: &str) -> Vec<u8> {
        ProposalResponsePayload {
            proposal_hash: [0; 32],
            chaincode: "cc".into(),
            rwset: RwSet::default(),
            response: ChaincodeResponse::success(response.as_bytes().to_vec()),
            event: None,
            function_calls: calls,
        }
        .to_bytes()
    }

    fn call(function: &str, result: Result<&str, &str>) -> FunctionCall {
        FunctionCall {
            service: "svc".into(),
            function: function.into(),
            payload: b"{}".to_vec(),
            result: result
                .map(|r| r.as_bytes().to_vec())
                .map_err(str::to_string),
        }
    }

    #[test]
    fn a_differing_answer_is_named_before_the_response_it_caused() {
        let a = payload(vec![call("f", Ok("1")), call("g", Ok("yes"))], "yes");
        let b = payload(vec![call("f", Ok("1")), call("g", Err("down"))], "no");
        assert_eq!(
            difference(&a, &b),
            "got different answers from function call #2, svc/g: `yes` and error `down`"
        );
    }

    #[test]
    fn other_call_differences() {
        let a = payload(vec![call("f", Ok("1"))], "");
        assert_eq!(
            difference(&a, &payload(vec![], "")),
            "made different numbers of function calls (1 and 0)"
        );
        assert_eq!(
            difference(&a, &payload(vec![call("h", Ok("1"))], "")),
            "made different requests in function call #1 (svc/f and svc/h)"
        );
        let long = "é".repeat(150);
        let text = difference(&a, &payload(vec![call("f", Ok(&long))], ""));
        assert!(text.ends_with("…` (300 bytes)"), "{text}");
    }

    #[test]
    fn without_call_differences_the_part_is_named() {
        assert_eq!(
            difference(&payload(vec![], "a"), &payload(vec![], "b")),
            "returned different responses"
        );
        assert_eq!(difference(b"x", b"y"), "returned different payloads");
    }
}
