"""Bank API bodies shaped as the sandbox-bank spec documents them (numbers as strings, etc.)."""

GMO_ACCOUNTS = {
    "baseDate": "2024-05-01",
    "baseTime": "10:15:00+09:00",
    "accounts": [
        {"accountId": "302010013543", "branchCode": "302", "branchName": "法人営業部",
         "accountTypeCode": "01", "accountTypeName": "普通", "accountNumber": "0013543",
         "primaryAccountCode": "1", "accountName": "山田 太郎", "accountNameKana": "ﾔﾏﾀﾞ ﾀﾛｳ",
         "currencyCode": "JPY"},
        # optional fields omitted, as the gmo dialect does (never null)
        {"accountId": "302510000111", "branchCode": "302", "accountTypeCode": "51",
         "accountNumber": "0000111", "currencyCode": "USD"},
    ],
}

GMO_BALANCES = {"balances": [
    {"accountId": "302010013543", "accountTypeCode": "01", "balance": "1234567",
     "baseDate": "2024-05-01", "baseTime": "10:15:00+09:00", "withdrawableAmount": "1200000",
     "previousDayBalance": "1230000", "currencyCode": "JPY"},
    {"accountId": "302510000111", "accountTypeCode": "51", "balance": "1500.25",
     "baseDate": "2024-05-01", "currencyCode": "USD"},
]}


def gmo_page(items, *, next_key=None, account_id="302010013543"):
    page = {"accountId": account_id, "currencyCode": "JPY", "dateFrom": "2024-04-01",
            "dateTo": "2024-04-30", "baseDate": "2024-05-01", "baseTime": "10:15:00+09:00",
            "hasNext": next_key is not None, "count": str(len(items)), "transactions": items}
    if next_key is not None:
        page["nextItemKey"] = next_key
    return page


GMO_TRANSACTIONS = gmo_page([
    {"transactionDate": "2024-04-01", "valueDate": "2024-04-01", "transactionType": "1",
     "amount": "250000", "remarks": "ｷﾕｳﾖ ｶ)ﾂﾅｸﾞ", "balance": "1250000", "itemKey": "k-0001"},
    {"transactionDate": "2024-04-02", "valueDate": "2024-03-30", "transactionType": "2",
     "amount": "3300", "remarks": "電気料金", "balance": "1246700", "itemKey": "k-0002"},
    {"transactionDate": "2024-04-03", "transactionType": "2", "amount": "110",
     "balance": "1246590", "itemKey": "k-0003"},  # no remarks, no valueDate
], next_key="k-0003")

MUFG_ACCOUNTS = {"accounts": [
    {"accountId": "001100123456", "branchNo": "001", "branchName": "本店",
     "accountTypeCode": "01", "accountTypeDetailCode": "1", "accountTypeName": "普通預金",
     "accountNo": "0123456", "accountName": "ヤマダ タロウ", "balance": "543210",
     "withdrawableAmount": "543210", "currencyCode": "JPY"},
    {"accountId": "001200654321", "branchNo": "001", "branchName": "本店",
     "accountTypeCode": "02", "accountTypeName": "当座預金", "accountNo": "0654321",
     "balance": "10000"},
]}


def mufg_page(items, *, next_keyword=None, account_id="001100123456"):
    return {"nextFlag": "1" if next_keyword else "0", "nextKeyword": next_keyword or "",
            "number": str(len(items)), "transactionDateFrom": "2024-04-01",
            "transactionDateTo": "2024-04-30", "operationDate": "2024-05-01",
            "operationTime": "09:30:00",
            "accountInfo": {"accountId": account_id, "branchNo": "001", "accountNo": "0123456",
                            "currencyCode": "JPY"},
            "transactions": items}


MUFG_TRANSACTIONS = mufg_page([
    {"settlementDate": "2024-04-01", "valueDate": "2024-04-01", "transactionId": "T0000001",
     "transactionType": "振込", "remarks": "ｶ)ﾂﾅｸﾞｼﾖｳｼﾞ", "debitCreditTypeCode": "1",
     "amount": "50000", "balance": "593210", "memo": ""},
    {"settlementDate": "2024-04-02", "valueDate": "2024-04-01", "transactionId": "T0000002",
     "transactionType": "カード", "debitCreditTypeCode": "2", "amount": "12000",
     "balance": "581210"},
], next_keyword="20240402T0000002XXXXXXX")
