/**
 * A decoded column value. Its meaning depends on the column's type, which always travels with
 * it (a row is positional against a TableSchema):
 *
 * | column type                      | value                                                     |
 * |----------------------------------|-----------------------------------------------------------|
 * | tinyint, smallint, int           | number                                                    |
 * | bigint                           | bigint                                                    |
 * | bit                              | boolean                                                   |
 * | float, real                      | number                                                    |
 * | decimal, numeric, money          | string, canonical: `-12.50` (exactly `scale` decimals)    |
 * | datetime, smalldatetime, datetime2 | string `YYYY-MM-DD HH:MM:SS.fffffff`                    |
 * | datetimeoffset                   | string `YYYY-MM-DD HH:MM:SS.fffffff+HH:MM`                |
 * | date                             | string `YYYY-MM-DD`                                       |
 * | time                             | string `HH:MM:SS.fffffff`                                 |
 * | char, varchar, text, xml (n-)    | string                                                    |
 * | uniqueidentifier                 | string, upper case `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` |
 * | binary, varbinary, image         | Uint8Array                                                |
 *
 * Canonical strings keep every digit the wire carried (SQL Server's 100 ns ticks), so that a
 * value survives mirror and back unchanged where the engine can hold it.
 */
export type CellValue = null | boolean | number | bigint | string | Uint8Array

export type Row = readonly CellValue[]
