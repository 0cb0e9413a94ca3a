"""Unit tests of the reward rule, run natively: python3 -m unittest (from this folder)."""

import json
import os
import unittest

import index

BLOCK = json.dumps({"channel": "mychannel", "blockNumber": 7, "blockHash": "ab", "txs": [
    {"txId": "t1", "chaincode": "marbles", "function": "set_owner", "args": ["m1", "o2", "United Marbles"],
     "creator": "Org1MSP", "validationCode": "VALID", "validationCodeNumber": 0, "event": None},
    {"txId": "t2", "chaincode": "marbles", "function": "set_owner", "args": ["m2", "o3", "United Marbles"],
     "creator": "Org1MSP", "validationCode": "MVCC_READ_CONFLICT", "validationCodeNumber": 11, "event": None},
    {"txId": "t3", "chaincode": "marbles", "function": "init_marble", "args": ["m4", "blue", "35", "o1", "United Marbles"],
     "creator": "Org1MSP", "validationCode": "VALID", "validationCodeNumber": 0, "event": None},
    {"txId": "t4", "chaincode": "other", "function": "set_owner", "args": ["m1", "o9", "x"],
     "creator": "Org1MSP", "validationCode": "VALID", "validationCodeNumber": 0, "event": None},
    {"txId": None, "chaincode": None, "function": None, "args": [], "creator": None,
     "validationCode": "BAD_PAYLOAD", "validationCodeNumber": 2, "event": None},
]})


class Rewards(unittest.TestCase):
    def test_only_valid_marbles_transfers_earn_points(self):
        block = index.block_from_event(BLOCK.encode())
        self.assertEqual(index.grants(block, 10), [
            {"kind": "reward", "owner": "o2", "points": 10, "marble": "m1", "txId": "t1", "block": 7},
        ])

    def test_json_and_stream_events_both_work(self):
        envelope = json.dumps({"TopicName": "marbles-blocks", "Message": BLOCK}).encode()
        self.assertEqual(index.block_from_event(envelope)["blockNumber"], 7)
        self.assertEqual(index.block_from_event(BLOCK.encode())["blockNumber"], 7)
        with self.assertRaises(index.InvalidEvent) as raised:
            index.block_from_event(b'{"Message": "hello"}')
        self.assertIn("subscribe to a `Source: blocks` topic", str(raised.exception))

    def test_points_must_be_positive_whole_numbers(self):
        self.assertEqual(index.parse_points("25"), 25)
        for bad in ["0", "-1", "ten", ""]:
            with self.assertRaises(index.InvalidConfiguration) as raised:
                index.parse_points(bad)
            self.assertIn("POINTS_PER_TRANSFER", str(raised.exception))

    def test_the_handler_prints_one_line_per_grant(self):
        os.environ["POINTS_PER_TRANSFER"] = "5"
        try:
            from io import StringIO
            from contextlib import redirect_stdout
            out = StringIO()
            with redirect_stdout(out):
                result = index.handler(BLOCK.encode(), None)
        finally:
            del os.environ["POINTS_PER_TRANSFER"]
        self.assertEqual(json.loads(result), {"block": 7, "grants": 1})
        self.assertEqual(
            out.getvalue(),
            '{"kind":"reward","owner":"o2","points":5,"marble":"m1","txId":"t1","block":7}\n',
        )


if __name__ == "__main__":
    unittest.main()
