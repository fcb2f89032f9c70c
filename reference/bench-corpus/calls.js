// The calls every SDK driver makes (drive-node.js, drive-python.py, drive-browser.mjs), built
// from the examples of Segment's Spec (identify, track with the e-commerce and video events,
// page, group) with deterministic variations: ids, non-ASCII and escaped text, empty strings,
// nulls, numbers of many magnitudes, missing optional fields.
//
//   node calls.js > calls.json     (what drive-python.py reads)
'use strict'

const NAMES = [
  ['Peter', 'Gibbons'],
  ['Zoë', 'Müller'],
  ['José', 'Álvarez'],
  ['美咲', '佐藤'],
  ['Bill "Lumbergh"', "O'Brien"],
  ['Ana', ''],
]
const CITIES = ['San Francisco', 'Zürich', 'São Paulo', 'Köln', 'Reykjavík', '東京']
// Numbers that encoders spell differently: fractions, integers held as floats, exponents.
const PRICES = [19, 19.99, 27.5, 3, 0.5, 1e21, 1e-7, 1234567.891, 100, 0.1]

function product(i) {
  const price = PRICES[i % PRICES.length]
  return {
    product_id: `507f1f77bcf86cd7994390${String(10 + (i % 90))}`,
    sku: `45790-${30 + (i % 7)}`,
    category: i % 3 === 0 ? 'Games' : 'Jeux & Loisirs',
    name: i % 4 === 0 ? 'Monopoly: 3rd Edition' : i % 4 === 1 ? 'Uno "Card" Game' : 'Café au lait – 250 g',
    brand: i % 5 === 0 ? '' : 'Hasbro',
    variant: i % 2 ? null : '200 pieces',
    price,
    quantity: 1 + (i % 3),
    coupon: i % 3 ? '' : 'MAYDEALS',
    position: i % 7,
    url: `https://www.example.com/product/${i}/path?ref=a/b`,
    image_url: `https://www.example.com/product/${i}/path.jpg`,
  }
}

function calls(n) {
  const out = []
  for (let i = 0; i < n; i++) {
    const [first, last] = NAMES[i % NAMES.length]
    const userId = i % 5 === 4 ? null : `user-${1000 + i}`
    const anonymousId = i % 3 === 0 ? null : `anon-${(i * 7919).toString(16)}-4c1f`
    const who = { userId, anonymousId }
    if (!who.userId && !who.anonymousId) who.anonymousId = `anon-${i}`
    const email = i % 6 === 5 ? '' : `${first.toLowerCase().replace(/[^a-z]/g, '') || 'user'}${i}@example.com`
    switch (i % 8) {
      case 0:
        out.push({
          type: 'identify',
          ...who,
          userId: who.userId || `user-${1000 + i}`,
          traits: {
            name: `${first} ${last}`.trim(),
            first_name: first,
            last_name: last,
            email,
            plan: i % 2 ? 'premium' : 'free',
            logins: i % 11,
            created_at: `2024-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z`,
            address: {
              street: '6th St',
              city: CITIES[i % CITIES.length],
              state: i % 2 ? 'CA' : '',
              postalCode: '94103',
              country: i % 3 ? 'USA' : 'Deutschland',
            },
            description: i % 16 ? 'Loves "TPS reports".\nSecond line' : '',
            timezone: i % 2 ? 'Europe/Zurich' : undefined,
          },
        })
        break
      case 1:
      case 5: {
        const products = [product(i), product(i + 1)]
        out.push({
          type: 'track',
          ...who,
          event: 'Order Completed',
          properties: {
            checkout_id: `fksdjfsdjfisjf9sdfjsd9f${i}`,
            order_id: `50314b8e9bcf0000000000${String(i % 100).padStart(2, '0')}`,
            affiliation: 'Google Store',
            total: 27.5 + i,
            subtotal: 22.5,
            revenue: 25.0,
            shipping: 3,
            tax: 2,
            discount: 2.5,
            coupon: i % 2 ? '' : 'hasbros',
            currency: 'USD',
            products,
            email: i % 3 ? undefined : email,
          },
        })
        break
      }
      case 2:
        out.push({
          type: 'track',
          ...who,
          event: 'Product Viewed',
          properties: { ...product(i), value: PRICES[i % PRICES.length], currency: 'EUR' },
        })
        break
      case 3:
        out.push({
          type: 'page',
          ...who,
          category: i % 2 ? 'Docs' : null,
          name: i % 2 ? 'Pricing' : 'Accueil – Bienvenue',
          properties: {
            title: i % 2 ? 'Pricing | Initech' : 'Accueil – Initech',
            url: `https://www.example.com/${i % 2 ? 'pricing' : ''}`,
            path: i % 2 ? '/pricing' : '/',
            referrer: i % 3 ? '' : 'https://www.google.com/',
            search: '',
          },
        })
        break
      case 4:
        out.push({
          type: 'track',
          ...who,
          event: 'Video Playback Started',
          properties: {
            session_id: `12345${i}`,
            content_asset_ids: ['0129370', `0129371${i % 10}`],
            ad_asset_id: null,
            position: 0,
            total_length: 392,
            bitrate: 100,
            framerate: 29.97,
            video_player: 'youtube',
            sound: 55,
            full_screen: false,
            ad_enabled: i % 2 === 0,
            quality: 'hd1080',
            livestream: false,
          },
        })
        break
      case 6:
        out.push({
          type: 'group',
          ...who,
          userId: who.userId || `user-${1000 + i}`,
          groupId: `0e8c78ea9d97a7b8185e86${String(i % 100).padStart(2, '0')}`,
          traits: {
            name: i % 2 ? 'Initech' : 'Société Générale d’Études',
            industry: 'Technology',
            employees: 329 + i,
            plan: 'enterprise',
            'total billed': 830.5,
            created_at: '2019-03-01T00:00:00.000Z',
            website: i % 3 ? '' : 'https://initech.example/',
          },
        })
        break
      default:
        out.push({
          type: 'track',
          ...who,
          event: i % 2 ? 'Products Searched' : 'Signed Up',
          properties:
            i % 2
              ? { query: i % 4 === 3 ? '' : 'blue roses "silk"', filters: { color: null, size: 'M' } }
              : { plan: 'Pro Annual', accountType: 'Facebook', email, first_name: first },
        })
    }
  }
  // JSON round trip drops the `undefined`s (a field an SDK user simply leaves out).
  return JSON.parse(JSON.stringify(out))
}

module.exports = { calls }
if (require.main === module) process.stdout.write(JSON.stringify(calls(Number(process.argv[2] || 160))) + '\n')
