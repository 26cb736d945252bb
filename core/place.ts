/**
 * Where a lot is and what it is, for the city's data platform (FIWARE Smart Data Models
 * `OffStreetParking`, docs/city-platform.md) and for maps (GeoJSON). All optional in the lots file.
 */
import { z } from 'zod';
import { LocalizedName } from '../protocol/index.js';

/** A GeoJSON Point (RFC 7946 §3.1.2): `[longitude, latitude]`, in that order. */
export const GeoPoint = z
  .strictObject({
    type: z.literal('Point'),
    coordinates: z.tuple([
      z.number().min(-180, 'longitude must be from -180 to 180 (GeoJSON is [lon, lat])').max(180, 'longitude must be from -180 to 180 (GeoJSON is [lon, lat])'),
      z.number().min(-90, 'latitude must be from -90 to 90 (GeoJSON is [lon, lat])').max(90, 'latitude must be from -90 to 90 (GeoJSON is [lon, lat])'),
    ]),
  })
  .meta({ id: 'GeoPoint', description: 'GeoJSON Point, coordinates [longitude, latitude] (WGS 84)' });
export type GeoPoint = z.infer<typeof GeoPoint>;

const text = z.string().min(1);

/** A postal address in one language (schema.org PostalAddress, as Smart Data Models use it). */
export const PostalAddress = z.strictObject({
  streetAddress: text,
  addressLocality: text,
  addressRegion: text,
  postalCode: z.string().regex(/^\d{3}-\d{4}$/, 'must be a Japanese postal code, e.g. 965-8555'),
  addressCountry: z.literal('JP'),
});
export type PostalAddress = z.infer<typeof PostalAddress>;

/** The `category` values of Smart Data Models' OffStreetParking (dataModel.Parking schema.json). */
export const PARKING_CATEGORIES = [
  'barrierAccess', 'feeCharged', 'forCustomers', 'forDisabled', 'forElectricalCharging', 'forEmployees', 'forMembers',
  'forResidents', 'forStudents', 'forVisitors', 'free', 'freeAccess', 'gateAccess', 'guarded', 'ground', 'longTerm',
  'mediumTerm', 'onlyResidents', 'onlyWithPermit', 'parkingGarage', 'parkingLot', 'private', 'public', 'publicPrivate',
  'shortTerm', 'staffed', 'underground', 'urbanDeterrentParking', 'other',
] as const;
export const ParkingCategory = z.enum(PARKING_CATEGORIES);

/** The optional descriptive fields of a lot in the lots file. */
export const LotPlace = {
  location: GeoPoint.optional(),
  address: z.strictObject({ ja: PostalAddress, en: PostalAddress }).optional(),
  category: z
    .array(ParkingCategory)
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a category')
    .optional(),
  /** A page about the car park (the hospital's access page). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** Who runs the car park. */
  operator: LocalizedName.optional(),
};
