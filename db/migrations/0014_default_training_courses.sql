-- The built-in course catalogue every fleet starts with (also in production, where no demo data is
-- seeded). Titles and topics are shown in the reader's language while the key is kept.
INSERT INTO "training_courses" ("key", "title", "topics", "validity_months", "required_for") VALUES
  ('terminal_operation', 'Operating the payment terminal',
    ARRAY['Taking chip, contactless and swipe payments', 'Printing and reprinting receipts', 'End-of-day settlement', 'What to do when the terminal shows an error'],
    12, ARRAY['cashier', 'manager']::staff_role[]),
  ('tamper_spotting', 'Spotting tampering and substitution of POS devices',
    ARRAY['Checking the serial number and the seals against the device list', 'Signs of tampering: overlays, extra wires, loose casing, unusual labels', 'Checking the identity of anyone who claims to be a repair technician before they touch a terminal', 'Never handing a terminal over or letting it be replaced without verification', 'Reporting a suspicious device or behaviour at once'],
    12, ARRAY['cashier', 'manager', 'other']::staff_role[]),
  ('card_pin_safety', 'Card and PIN safety',
    ARRAY['Shielding the PIN pad and never asking for a PIN', 'Keeping the card in the customer''s sight', 'Never writing down or storing card data'],
    12, ARRAY['cashier', 'manager']::staff_role[]),
  ('refunds_disputes', 'Refunds and disputes',
    ARRAY['Refunding to the original card', 'Keeping receipts for disputes', 'Recognising refund fraud'],
    12, ARRAY['manager']::staff_role[]);
